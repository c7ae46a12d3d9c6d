package app

import (
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/resource"
)

// resourceModule is x/resource's entry: storage proofs and resource-node
// scores, off unless genesis enables them (disabled, it writes nothing,
// so chains that predate it keep their app hash). At an epoch's first
// block it refreshes which CRNs hold files (weighted by their declared
// capacity) and draws their challenges from the app hash of the block
// before (the store's last committed hash, the same on every validator);
// at the epoch's deadline it closes them into scores. At each liveness
// slot's first block it records the slot's nonce; attestation records
// mark slots up (app/live.go); at the epoch's last block the members'
// liveness joins their scores and nodes whose score stayed 0 are
// unlinked. Files follow the live STOREs (x/resource
// SyncFiles); proofs arrive as a transaction kind of their own, not yet
// wired. Its keeper caches the params, which change only at genesis.
func (a *App) resourceModule() Module {
	k := a.resource
	return Module{
		Name:            "resource",
		DefaultGenesis:  func() any { return resource.DefaultGenesis() },
		ValidateGenesis: validateWith(resource.DefaultGenesis, resource.Genesis.Validate),
		InitGenesis:     initWith(resource.DefaultGenesis, k.Init),
		ExportGenesis:   func(kv state.KV) (any, error) { return k.Export(kv) },
		LoadParams:      k.LoadParams,
		Params:          func() any { return k.Params() },
		BeginBlock: func(kv state.KV, b Block, _ *BlockEffects) error {
			if !k.Params().Enabled {
				return nil
			}
			chainID, err := kv.Get(chainIDKey)
			if err != nil {
				return err
			}
			return k.BeginBlock(kv, b.Height, string(chainID), a.store.Hash())
		},
		EndBlock:   func(kv state.KV, b Block, _ *BlockEffects) error { return k.EndBlock(kv, b.Height) },
		Invariants: k.Invariants,
		Queries: []Query{{Path: PathResourceScore, Answer: jsonAnswer(a.resourceScore)},
			{Path: PathResourceFiles, Answer: jsonAnswer(a.resourceFiles)},
			{Path: PathResourceChallenges, Answer: jsonAnswer(a.resourceChallenges)}},
	}
}
