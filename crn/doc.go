// Package crn is a resource node (`alephd crn`): a process with its own
// home and key that keeps the files the chain assigns it and proves it.
//
// It follows a CCN over HTTP: GET /api/v0/compute/{node}/files says what
// it holds, GET /api/v0/compute/{node}/challenges what it must prove and
// by when. Given several CCNs it keeps to the one that last answered and
// moves on to the next when that one fails (ccn.go). Files are kept in a content store of its own. A sha256 file is
// fetched from the CCN's /api/v0/storage/raw and checked by its hash. An
// IPFS file is fetched block by block from the CCN's
// /api/v0/ipfs/block/{cid}, walking its DAG from the root and checking
// every block as the chain's verifier would (store.go, dag.go), so a file
// added with any chunker and layout is held, up to resource.MaxDAGBytes
// of blocks: the walk (proof.Walk) and bound validators attest a file's
// DAG size by, so the chain assigns no DAG a node refuses; only from a CCN without that
// route are its bytes imported as `ipfs add` does and the CID compared.
// The DAG's blocks on disk are what an IPFS proof is made of
// (x/resource/proof ProveIPFS); a sha256 proof is a chunk and its audit
// path (ProveChunk). Each proof is checked
// against the chain's proof limits, which the challenges route carries (a
// proof that does not fit is recorded refused and not sent), signed with
// the node's key (resource.SignProof) and sent back to the CCN (POST
// /api/v0/compute/{node}/proofs), which puts it in the mempool.
//
// The node also serves /storage/raw/{hash} as a CCN does, /status (what it
// holds, its last proofs), /metrics (Prometheus, metrics.go) and the
// liveness probe validators call, /alephd/v1/probe, answered with
// resource.SignProbe.
//
// Nothing is lost on kill -9: the content store writes files durably
// before it names them, and the list of files held is replaced atomically.
package crn
