// Package crn is a resource node (`alephd crn`): a process with its own
// home and key that keeps the files the chain assigns it and proves it.
//
// It follows one CCN over HTTP: GET /api/v0/compute/{node}/files says what
// it holds, GET /api/v0/compute/{node}/challenges what it must prove and
// by when. Files are fetched from the CCN's /api/v0/storage/raw and kept
// in a content store of its own, checked as validators checked them when
// they attested the file: a sha256 file by its hash, an IPFS file by
// importing the bytes as `ipfs add` does (CIDv0, or CIDv1 with raw leaves)
// and comparing the CID. The import leaves the DAG's blocks on disk, which
// is what an IPFS proof is made of (x/resource/proof ProveIPFS); a sha256
// proof is a chunk and its audit path (ProveChunk). Each proof is checked
// against the chain's proof limits, which the challenges route carries (a
// proof that does not fit is recorded refused and not sent), signed with
// the node's key (resource.SignProof) and sent back to the CCN (POST
// /api/v0/compute/{node}/proofs), which puts it in the mempool.
//
// The node also serves /storage/raw/{hash} as a CCN does, /status (what it
// holds, its last proofs) and the liveness probe validators call,
// /alephd/v1/probe, answered with resource.SignProbe.
//
// Nothing is lost on kill -9: the content store writes files durably
// before it names them, and the list of files held is replaced atomically.
package crn
