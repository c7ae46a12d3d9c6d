package app

import (
	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/resource"
)

// resourceModule is x/resource's entry: storage proofs and resource-node
// scores, off unless genesis enables them (disabled, it writes nothing,
// so chains that predate it keep their app hash). It has no block hooks
// yet: drawing challenges needs the assignment index and the epoch seed
// (the store's last hash), which come with the proof transaction. Until
// then its keeper is built per call over the params in state, which only
// genesis, export and the invariants read.
func (a *App) resourceModule() Module {
	keeper := func(kv state.KV) (*resource.Keeper, error) {
		k := resource.NewKeeper(a.nodes)
		return k, k.LoadParams(kv)
	}
	return Module{
		Name:            "resource",
		DefaultGenesis:  func() any { return resource.DefaultGenesis() },
		ValidateGenesis: validateWith(resource.DefaultGenesis, resource.Genesis.Validate),
		InitGenesis: initWith(resource.DefaultGenesis, func(kv state.KV, g resource.Genesis) error {
			return resource.NewKeeper(a.nodes).Init(kv, g)
		}),
		ExportGenesis: func(kv state.KV) (any, error) {
			k, err := keeper(kv)
			if err != nil {
				return nil, err
			}
			return k.Export(kv)
		},
		LoadParams: func(kv state.KV) error { _, err := keeper(kv); return err },
		Invariants: func(kv state.KV) error {
			k, err := keeper(kv)
			if err != nil {
				return err
			}
			return k.Invariants(kv)
		},
	}
}
