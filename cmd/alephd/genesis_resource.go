package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/alephd/alephd/node"
	"github.com/alephd/alephd/x/resource"
)

// genesisResourceCmd turns storage proofs, liveness and scores of resource
// nodes on (or off) in a genesis, starting from the params it already sets
// (the module's defaults if none): only the flags given change.
func genesisResourceCmd() *cobra.Command {
	var enabled bool
	var p resource.Params
	c := &cobra.Command{
		Use:   "set-resource [--enabled=false] [--epoch-blocks N] [...]",
		Short: "Turn on resource nodes' storage proofs, liveness probes and scores, with the params given",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home := homeFlag(cmd)
			cur, err := node.GenesisResourceParams(home)
			if err != nil {
				return err
			}
			cur.Enabled = enabled
			f := cmd.Flags()
			for name, set := range map[string]func(){
				"replicas":             func() { cur.Replicas = p.Replicas },
				"epoch-blocks":         func() { cur.EpochBlocks = p.EpochBlocks },
				"proof-window-blocks":  func() { cur.ProofWindowBlocks = p.ProofWindowBlocks },
				"challenges-per-epoch": func() { cur.ChallengesPerEpoch = p.ChallengesPerEpoch },
				"probes-per-epoch":     func() { cur.ProbesPerEpoch = p.ProbesPerEpoch },
				"score-window-epochs":  func() { cur.ScoreWindowEpochs = p.ScoreWindowEpochs },
				"zero-score-epochs":    func() { cur.ZeroScoreEpochs = p.ZeroScoreEpochs },
				"chunk-size":           func() { cur.ChunkSize = p.ChunkSize },
				"root-chunk-size":      func() { cur.RootChunkSize = p.RootChunkSize },
				"max-weight":           func() { cur.MaxWeight = p.MaxWeight },
			} {
				if f.Changed(name) {
					set()
				}
			}
			if err := node.SetGenesisResource(home, cur); err != nil {
				return err
			}
			b, err := json.Marshal(cur)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "genesis: resource params %s\n", b)
			return err
		},
	}
	d := resource.DefaultParams()
	f := c.Flags()
	f.BoolVar(&enabled, "enabled", true, "assign files to resource nodes, challenge them, probe them and score them")
	f.Uint32Var(&p.Replicas, "replicas", d.Replicas, "resource nodes each file is assigned to")
	f.Int64Var(&p.EpochBlocks, "epoch-blocks", d.EpochBlocks, "blocks in an epoch: challenges are drawn and scores kept per epoch")
	f.Int64Var(&p.ProofWindowBlocks, "proof-window-blocks", d.ProofWindowBlocks, "blocks after an epoch's start within which its challenges must be answered")
	f.Uint32Var(&p.ChallengesPerEpoch, "challenges-per-epoch", d.ChallengesPerEpoch, "(file, chunk) challenges drawn per node and epoch")
	f.Uint32Var(&p.ProbesPerEpoch, "probes-per-epoch", d.ProbesPerEpoch, "liveness slots per epoch (0: no liveness; a slot needs at least 3 blocks to count)")
	f.Uint32Var(&p.ScoreWindowEpochs, "score-window-epochs", d.ScoreWindowEpochs, "epochs a score counts")
	f.Uint32Var(&p.ZeroScoreEpochs, "zero-score-epochs", d.ZeroScoreEpochs, "judged epochs in a row at score 0 after which a node is unlinked (0: never)")
	f.Uint64Var(&p.ChunkSize, "chunk-size", d.ChunkSize, "offset granularity of IPFS challenges, in bytes: a challenge asks for the leaf covering a multiple of it (1: any byte, whatever the leaf size)")
	f.Uint64Var(&p.RootChunkSize, "root-chunk-size", d.RootChunkSize, "bytes of a sha256 file's challenged chunk, under the chunk root validators attest")
	f.Uint64Var(&p.MaxWeight, "max-weight", d.MaxWeight, "cap on a node's assignment weight, in GiB of declared capacity (0: none)")
	return c
}
