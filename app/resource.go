package app

import (
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/resource"
)

// resourceModule is x/resource's entry: storage proofs and resource-node
// scores, off unless genesis enables them (disabled, it writes nothing,
// so chains that predate it keep their app hash). At an epoch's first
// block it refreshes which CRNs hold files and draws their challenges
// from the app hash of the block before (the store's last committed
// hash, the same on every validator); at the epoch's deadline it closes
// them into scores. Files enter it once STOREs go live (x/resource
// AddFile), which is not wired yet, and proofs arrive as a transaction
// kind of their own, also not yet wired. Its keeper is built per call
// over the params in state: one read per block while it is off.
func (a *App) resourceModule() Module {
	keeper := func(kv state.KV) (*resource.Keeper, error) {
		k := resource.NewKeeper(a.nodes, a.messages)
		return k, k.LoadParams(kv)
	}
	return Module{
		Name:            "resource",
		DefaultGenesis:  func() any { return resource.DefaultGenesis() },
		ValidateGenesis: validateWith(resource.DefaultGenesis, resource.Genesis.Validate),
		InitGenesis: initWith(resource.DefaultGenesis, func(kv state.KV, g resource.Genesis) error {
			return resource.NewKeeper(a.nodes, a.messages).Init(kv, g)
		}),
		ExportGenesis: func(kv state.KV) (any, error) {
			k, err := keeper(kv)
			if err != nil {
				return nil, err
			}
			return k.Export(kv)
		},
		LoadParams: func(kv state.KV) error { _, err := keeper(kv); return err },
		BeginBlock: func(kv state.KV, b Block, _ *BlockEffects) error {
			k, err := keeper(kv)
			if err != nil || !k.Params().Enabled {
				return err
			}
			chainID, err := kv.Get(chainIDKey)
			if err != nil {
				return err
			}
			return k.BeginBlock(kv, b.Height, string(chainID), a.store.Hash())
		},
		EndBlock: func(kv state.KV, b Block, _ *BlockEffects) error {
			k, err := keeper(kv)
			if err != nil {
				return err
			}
			return k.EndBlock(kv, b.Height)
		},
		Invariants: func(kv state.KV) error {
			k, err := keeper(kv)
			if err != nil {
				return err
			}
			return k.Invariants(kv)
		},
	}
}
