// Package proof checks storage proofs: a resource node's answer to a
// challenge on one chunk of a file it holds. Checking is hashing and
// decoding only, a pure function of its inputs, so every validator reaches
// the same verdict in consensus.
//
// A file is named by its root. An IPFS file's root is its CID, and the
// proof is the chain of blocks from that CID down to the leaf covering the
// challenged byte offset, each block hashing to the CID its parent names
// (dag-pb nodes decoded by boxo, CIDv0 and CIDv1, raw leaves). A sha256
// ("storage") file's root is a Merkle root over fixed-size chunks (RFC 6962
// tree hashing, as transparency-dev/merkle implements it: leaves
// SHA256(0x00||chunk), nodes SHA256(0x01||left||right)), and the proof is
// the chunk and its audit path. The leaf's bytes are always part of the
// proof: a leaf hash alone could be answered from internal blocks, without
// holding the data.
//
// The prover's side (ProveIPFS, ProveChunks, ChunkRoot) is here too, so
// resource nodes build exactly what validators check.
package proof
