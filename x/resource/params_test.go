package resource_test

import (
	"testing"

	"github.com/alephd/alephd/x/resource"
)

// TestParamsValidate: the defaults pass, and so do the edges that still
// work; params under which a rule could never be met are refused. A
// challenge is drawn in the BeginBlock of its epoch's first height and
// enters committed state at its end, so its proof can be in the next block
// at the earliest: a proof window of 1 block (epoch_blocks 1 forces it)
// would fail every challenge of every node, honest or not. A sha256 proof
// is its chunk and up to 64 path hashes, so a root_chunk_size leaving no
// room for them in max_proof_bytes could never be proven past a file's
// first chunk.
func TestParamsValidate(t *testing.T) {
	ok := map[string]func(*resource.Params){
		"the defaults":                        func(*resource.Params) {},
		"a proof window of 2 blocks":          func(p *resource.Params) { p.EpochBlocks, p.ProofWindowBlocks, p.ProbesPerEpoch = 2, 2, 0 },
		"the proof window the whole epoch":    func(p *resource.Params) { p.ProofWindowBlocks = p.EpochBlocks },
		"no chunk roots":                      func(p *resource.Params) { p.RootChunkSize = 0 },
		"a chunk and its longest path at max": func(p *resource.Params) { p.RootChunkSize = uint64(p.MaxProofBytes) - 64*32 },
		"more replicas than nodes":            func(p *resource.Params) { p.Replicas = 1000 },
		"slots that do not divide the epoch":  func(p *resource.Params) { p.ProbesPerEpoch = 7 },
	}
	bad := map[string]func(*resource.Params){
		"no replicas":                          func(p *resource.Params) { p.Replicas = 0 },
		"epochs of 1 block":                    func(p *resource.Params) { p.EpochBlocks, p.ProofWindowBlocks, p.ProbesPerEpoch = 1, 1, 0 },
		"a proof window of 1 block":            func(p *resource.Params) { p.ProofWindowBlocks = 1 },
		"a proof window past the epoch":        func(p *resource.Params) { p.ProofWindowBlocks = p.EpochBlocks + 1 },
		"a chunk root chunk with no path room": func(p *resource.Params) { p.RootChunkSize = uint64(p.MaxProofBytes) },
		"more slots than blocks":               func(p *resource.Params) { p.ProbesPerEpoch = uint32(p.EpochBlocks) + 1 },
		"no score window":                      func(p *resource.Params) { p.ScoreWindowEpochs = 0 },
	}
	for what, edit := range ok {
		p := resource.DefaultParams()
		p.Enabled = true
		edit(&p)
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	for what, edit := range bad {
		p := resource.DefaultParams()
		p.Enabled = true
		edit(&p)
		if err := p.Validate(); err == nil {
			t.Errorf("%s: accepted", what)
		}
	}
}
