package resource

// MaxDAGBytes is the most block bytes a resource node holds for an IPFS
// file of size bytes, and the largest attested DAG size (MessageRecord.
// file_dag_bytes) of a file the chain assigns: its data (exactly size,
// the leaves') and the framing and links around it, which for any
// chunker above ~10-byte leaves is well under 7 times the data (a 1 KiB
// leaf costs ~60 bytes of both), plus 1 MiB for small files' roots. A DAG
// of tinier leaves (`ipfs add --chunker=size-1`) is mostly links: holding
// it would cost a node many times what the file's owner pays for, so no
// node holds it and the chain does not assign it. Validators and resource
// nodes count the same bytes: proof.Walk's distinct blocks.
func MaxDAGBytes(size uint64) uint64 {
	const slack = 1 << 20
	if size > (^uint64(0)-slack)/8 {
		return ^uint64(0) - 1 // no attested size comes near; keeps MaxDAGBytes+1 representable
	}
	return 8*size + slack
}

// Holdable reports whether an IPFS file of size bytes whose DAG validators
// attested at dagBytes (MessageRecord.file_dag_bytes) is one a resource
// node holds: a DAG size is attested (0: none, as on a STORE processed
// before the chain enabled the module) and within MaxDAGBytes(size).
func Holdable(size, dagBytes uint64) bool {
	return dagBytes > 0 && dagBytes <= MaxDAGBytes(size)
}
