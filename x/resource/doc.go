// Package resource checks that resource nodes (CRNs, x/node's registry)
// keep the files assigned to them, in consensus, and scores them.
//
// Each processed STORE's file is assigned to `replicas` active linked
// resource nodes by weighted rendezvous hashing (Assign), so a node leaving
// moves only its own files. Only nodes with a registered key are members
// (Candidates): one registered without details.pubkey could never sign a
// proof or a probe answer, so it takes no part until its owner amends a
// key in, and joins at the next epoch's start. Each epoch the chain draws, for every resource
// node, `challenges_per_epoch` (file, chunk) pairs (Draw) from a seed fixed
// before the epoch (EpochSeed: the app hash of the block before it). The
// node answers each with a StorageProof (the chunk's bytes and its Merkle
// path to the file's root, checked by package proof: hashing only), in a
// transaction signed by the node's registered key (ProofDigest,
// CheckSignature), so nobody else can answer for it; a challenge without a
// valid proof by its deadline fails. An IPFS file's root is its CID (the
// path runs through its UnixFS DAG to the leaf covering byte
// index·`chunk_size`, which is 1 by default: a uniform byte, so every leaf
// is challenged whatever chunker built the DAG); a sha256
// file's is the chunk root validators attest with it (proof.ChunkRoot
// over chunks of `root_chunk_size`, kept in its STORE's record), and it is
// assigned only once it has one (SyncFiles). An IPFS file whose CID no
// proof can walk (not sha2-256 dag-pb or raw: proof.CheckCID) is never
// assigned, nor is one whose DAG no resource node would hold: validators
// walk its DAG as a resource node fetches it (proof.Walk) and attest its
// distinct blocks' bytes, and the file is assigned only within
// MaxDAGBytes of its size (8 × size + 1 MiB; a DAG of tiny leaves is
// mostly links). A node that fails a challenge
// gives the file up when the epoch closes: it goes to the next member in
// its order, and the node is excluded from it for `score_window_epochs`
// (exclusions.go). Passed challenges
// and liveness over a window of epochs give an integer score in basis
// points (Score), and nodestatus's reward multiplier follows from it
// (Multiplier). A node weighs its declared capacity in GiB (Weight, at
// least 1, at most `max_weight`: CappedWeight), and one whose score closes at 0 for `zero_score_epochs` judged
// epochs in a row is unlinked from its CCN (x/node Unlink).
//
// Liveness (liveness.go): each epoch has `probes_per_epoch` slots; at a
// slot's start the chain records its nonce (SlotNonce, from the app hash
// before it), validators' nodes probe every member with it
// (ProbeTargets) and carry the nodes' signed answers (SignProbe) in their
// vote extensions, and a slot is up for a node once validators with more
// than 2/3 of the power carry a valid one in one record (TallyLive,
// ApplyLive). A missing answer is never held against a node by itself: a
// slot simply is not up. At the epoch's last height each member's slots
// and ups go into its window and each node is judged once, on proofs and
// liveness together (FinishEpoch).
//
// The module is off unless its params enable it: disabled, it writes
// nothing, so chains that predate it keep their app hash.
package resource
