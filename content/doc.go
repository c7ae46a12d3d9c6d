// Package content stores the bulk bytes that messages reference by hash:
// files named by sha256 (pyaleph's "storage" engine) and IPFS content named
// by CID. It is local to each node and never decides consensus state, so it
// may use the wall clock and do I/O freely.
//
// Store, under one directory, holds both kinds. sha256 files live at
// <dir>/<2 hex>/<hash>. IPFS blocks live in a flatfs blockstore (kubo's
// default layout, one file per block) at <dir>/ipfs/blocks, reached through
// Store.IPFS, which returns the embedded Backend.
//
// Backend is what the node needs of IPFS: Add, Cat, Stat, Has, Pin, Unpin.
// Two implement it. Embedded imports with boxo's UnixFS importer set up as
// kubo's `ipfs add` with default settings (256 KiB chunks, balanced
// layout, 174 links per node, sha2-256; CIDv0 with dag-pb leaves, or
// CIDv1 with raw leaves on request), so a file gets the same CID here as
// on any kubo node. Kubo forwards to a daemon's RPC API. The RPC client
// does not forward every import option (max-file-links, for one) and the
// daemon's Import.* configuration fills in the rest, so Kubo.Add also
// imports the bytes locally, without storing them, as they stream past,
// and fails with ErrCIDMismatch, naming both CIDs, when the daemon's CID
// differs. A CID the network will not agree on is worse than an error.
//
// One pin set covers both kinds: a small JSON record per root under
// <dir>/pins ("sha256-<hex>" or "cid-<CID>"), saying whether the root is
// pinned and since when it has been pinned or unpinned. Embedded.Add
// records its root as unpinned from now (or pinned, if asked); a sha256
// file needs no record until pinned, its mtime telling when it was last
// uploaded. Pins are plain flags: the caller pins what committed state
// references and unpins what it no longer does. An IPFS pin is recursive,
// and Pin first checks that every block of the DAG is present.
//
// Store.GC deletes what is neither pinned nor within its grace period: a
// sha256 file whose mtime and record are older than the grace period, and
// every IPFS block that no live root reaches, a live root being one pinned
// or added or unpinned less than the grace period ago. Blocks of an import
// that never finished have no root and go at once. Writes (Put, Add, Pin)
// share a lock that GC takes exclusively, so GC never sees half an import.
// A kubo daemon's content is its own GC's business.
//
// Durability: an acknowledged write survives a crash or power cut. Put
// fsyncs the file, renames it into place and fsyncs the directory.
// Embedded.Add writes its blocks without fsync, then calls syncfs(2) once on
// the blockstore's file system before it records the root: one flush for
// the whole import instead of an fsync per block file and directory, which
// on the development VM capped ingest near 100 MB/s (on systems without
// syncfs, flatfs fsyncs each block instead). Add writes every block, even
// one already present, because a crash before syncfs can leave a block
// file empty or truncated. Pin records are written to a temporary file,
// fsynced, renamed, and the directory fsynced.
package content
