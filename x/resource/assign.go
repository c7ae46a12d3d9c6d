package resource

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"slices"
)

// Candidate is a resource node that may be assigned files, with its weight:
// its declared capacity when the registry has one, else 1 for every node.
type Candidate struct {
	Node   string
	Weight uint64
}

// Assign picks the replicas candidates that hold file, by weighted
// rendezvous hashing: each (file, node) pair gets the score
// weight / -ln(u), with u uniform in (0, 1] from SHA-256 of the pair, and
// the highest scores win (ties by node hash). A node's score for a file
// depends on nothing else, so a node that joins takes files only where it
// beats a current holder, and one that leaves gives up only its own files,
// each to the next node in that file's order. A node's expected share of
// files is its weight over the total (Schindelhauer and Schomaker's
// logarithmic method). Candidates with weight 0 are never picked; node
// hashes must be distinct. The result is in score order.
func Assign(file string, nodes []Candidate, replicas int) []string {
	if replicas <= 0 {
		return nil
	}
	top := make([]scored, 0, replicas+1)
	for _, n := range nodes {
		if n.Weight == 0 {
			continue
		}
		s := scored{node: n.Node, weight: n.Weight, l: negLn(pairHash(file, n.Node))}
		i, _ := slices.BinarySearchFunc(top, s, compareScored)
		if i >= replicas {
			continue
		}
		top = slices.Insert(top, i, s)
		if len(top) > replicas {
			top = top[:replicas]
		}
	}
	out := make([]string, len(top))
	for i, s := range top {
		out[i] = s.node
	}
	return out
}

// scored is a node's score for one file, weight / l, kept as the pair so
// that comparisons are exact integer products.
type scored struct {
	node   string
	weight uint64
	l      uint64 // -ln(u), fixed point with lnFrac fractional bits
}

// compareScored orders higher scores first: a before b when
// a.weight/a.l > b.weight/b.l, i.e. a.weight*b.l > b.weight*a.l, compared
// as 128-bit products (no division, no rounding).
func compareScored(a, b scored) int {
	ah, al := bits.Mul64(a.weight, b.l)
	bh, bl := bits.Mul64(b.weight, a.l)
	if c := cmp.Compare(bh, ah); c != 0 {
		return c
	}
	if c := cmp.Compare(bl, al); c != 0 {
		return c
	}
	return cmp.Compare(a.node, b.node)
}

// pairHash is the first 8 bytes of SHA-256 over the domain, the file and
// the node, each length-prefixed so no two pairs hash the same bytes.
func pairHash(file, node string) uint64 {
	h := sha256.New()
	h.Write([]byte("alephd/resource/assign/v1"))
	writeString(h, file)
	writeString(h, node)
	var sum [sha256.Size]byte
	return binary.BigEndian.Uint64(h.Sum(sum[:0]))
}

// Outranks reports whether node c would enter the first replicas of file
// over holders, the file's current holders over the same members (in
// score order): when no joining node outranks a full set of holders, and
// none of them left, the file's assignment cannot change.
func Outranks(file string, c Candidate, holders []Candidate, replicas int) bool {
	if c.Weight == 0 {
		return false
	}
	if len(holders) < replicas {
		return true
	}
	weakest := holders[len(holders)-1]
	a := scored{node: c.Node, weight: c.Weight, l: negLn(pairHash(file, c.Node))}
	w := scored{node: weakest.Node, weight: weakest.Weight, l: negLn(pairHash(file, weakest.Node))}
	return compareScored(a, w) < 0
}
