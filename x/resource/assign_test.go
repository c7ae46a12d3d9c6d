package resource

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

func candidates(r *rand.Rand, n int, weighted bool) []Candidate {
	out := make([]Candidate, n)
	for i := range out {
		w := uint64(1)
		if weighted {
			w = 1 + r.Uint64N(1<<40)
		}
		out[i] = Candidate{Node: fmt.Sprintf("crn-%04d-%x", i, r.Uint32()), Weight: w}
	}
	return out
}

// naiveAssign is the model: score every node as an exact rational
// weight / -ln(u) (big.Rat), sort them all, take the first replicas.
func naiveAssign(file string, nodes []Candidate, replicas int) []string {
	type s struct {
		node  string
		score *big.Rat
	}
	var all []s
	for _, n := range nodes {
		if n.Weight == 0 {
			continue
		}
		l := negLn(pairHash(file, n.Node))
		score := new(big.Rat)
		if l == 0 {
			score.SetInt64(math.MaxInt64) // u = 1: infinite, above any finite score
			score.Mul(score, score)
		} else {
			score.SetFrac(new(big.Int).SetUint64(n.Weight), new(big.Int).SetUint64(l))
		}
		all = append(all, s{n.Node, score})
	}
	sort.Slice(all, func(i, j int) bool {
		if c := all[i].score.Cmp(all[j].score); c != 0 {
			return c > 0
		}
		return all[i].node < all[j].node
	})
	var out []string
	for i := 0; i < len(all) && i < replicas; i++ {
		out = append(out, all[i].node)
	}
	return out
}

// TestAssignMatchesNaiveModel: over seeded random registries (equal and
// drawn weights, some zero) and files, Assign is exactly the model.
func TestAssignMatchesNaiveModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 200 {
		nodes := candidates(r, r.IntN(40), round%2 == 1)
		for i := range nodes {
			if r.IntN(10) == 0 {
				nodes[i].Weight = 0
			}
		}
		replicas := r.IntN(5)
		for f := range 20 {
			file := fmt.Sprintf("file-%d-%d", round, f)
			got, want := Assign(file, nodes, replicas), naiveAssign(file, nodes, replicas)
			if !slices.Equal(got, want) {
				t.Fatalf("round %d %s: %v, model %v", round, file, got, want)
			}
		}
	}
}

// TestAssignStability: a node joining takes only files where it enters the
// top replicas, displacing exactly one holder; a node leaving moves only
// the files it held, each to one new holder. The order of the candidate
// list never matters.
func TestAssignStability(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const replicas, files = 3, 2000
	for _, weighted := range []bool{false, true} {
		nodes := candidates(r, 12, weighted)
		before := make([][]string, files)
		for f := range files {
			before[f] = Assign(fmt.Sprint("f", f), nodes, replicas)
		}
		shuffled := slices.Clone(nodes)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		joined := append(slices.Clone(nodes), candidates(r, 1, weighted)[0])
		joined[len(joined)-1].Node = "newcomer"
		leaving := nodes[4].Node
		left := slices.DeleteFunc(slices.Clone(nodes), func(c Candidate) bool { return c.Node == leaving })
		moved := 0
		for f := range files {
			file := fmt.Sprint("f", f)
			if got := Assign(file, shuffled, replicas); !slices.Equal(got, before[f]) {
				t.Fatalf("%s: order of candidates changed the assignment", file)
			}
			after := Assign(file, joined, replicas)
			if slices.Contains(after, "newcomer") {
				moved++
				if n := len(diff(before[f], after)); n != 1 {
					t.Fatalf("%s: newcomer displaced %d holders", file, n)
				}
			} else if !slices.Equal(after, before[f]) {
				t.Fatalf("%s: changed without the newcomer: %v -> %v", file, before[f], after)
			}
			after = Assign(file, left, replicas)
			gone := diff(before[f], after)
			if slices.Contains(before[f], leaving) {
				if !slices.Equal(gone, []string{leaving}) {
					t.Fatalf("%s: %s left and %v moved", file, leaving, gone)
				}
			} else if !slices.Equal(after, before[f]) {
				t.Fatalf("%s did not hold it, yet changed: %v -> %v", file, before[f], after)
			}
		}
		// a 13th node takes about 3/13 of the files (each file has 3 slots)
		if !weighted && (moved < files*3/13*8/10 || moved > files*3/13*12/10) {
			t.Fatalf("newcomer took %d of %d files, expected about %d", moved, files, files*3/13)
		}
	}
}

// diff lists what was in a and is not in b.
func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// TestAssignFollowsWeight: with weights 1, 2, 3, 4 and one replica, each
// node's share of 40,000 files is within 5% of weight/10.
func TestAssignFollowsWeight(t *testing.T) {
	nodes := []Candidate{{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}}
	const files = 40_000
	count := map[string]int{}
	for f := range files {
		count[Assign(fmt.Sprint("file", f), nodes, 1)[0]]++
	}
	for _, n := range nodes {
		want := files * int(n.Weight) / 10
		if got := count[n.Node]; got < want*95/100 || got > want*105/100 {
			t.Errorf("%s (weight %d): %d files, want about %d", n.Node, n.Weight, got, want)
		}
	}
}

// BenchmarkAssign is one file's ranking over 100 and 1,000 equal nodes
// (2 replicas): what AddFile costs, and Refresh per file when the members
// change.
func BenchmarkAssign(b *testing.B) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{100, 1000} {
		nodes := candidates(r, n, false)
		b.Run(fmt.Sprint(n, "nodes"), func(b *testing.B) {
			i := 0
			for b.Loop() {
				Assign(fmt.Sprint("file-", i), nodes, 2)
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/file")
		})
	}
}

// TestOutranksMatchesAssign: a node outranks a file's holders exactly
// when adding it to the candidates puts it among the file's replicas.
func TestOutranksMatchesAssign(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for round := range 2000 {
		nodes := candidates(r, 1+r.IntN(12), false)
		replicas := 1 + r.IntN(4)
		file := fmt.Sprint("file-", round)
		newcomer := Candidate{Node: fmt.Sprint("new-", round), Weight: 1}
		held := Assign(file, nodes, replicas)
		hs := make([]Candidate, len(held))
		for i, h := range held {
			hs[i] = Candidate{Node: h, Weight: 1}
		}
		want := slices.Contains(Assign(file, append(slices.Clone(nodes), newcomer), replicas), newcomer.Node)
		if got := Outranks(file, newcomer, hs, replicas); got != want {
			t.Fatalf("round %d: Outranks %v, Assign says %v", round, got, want)
		}
	}
}
