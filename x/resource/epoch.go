package resource

import "github.com/alephd/alephd/state"

// BeginBlock opens an epoch at its first height: the members follow the
// registry (files move off nodes that left and onto nodes that joined),
// the files follow the live STOREs (new ones assigned, released ones
// dropped), then each member's challenges are drawn over what it holds,
// from the seed of the app hash every validator committed before this
// block.
func (k *Keeper) BeginBlock(kv state.KV, height int64, chainID string, lastAppHash []byte) error {
	if !k.params.Enabled {
		return nil
	}
	epoch, first := k.params.Epoch(height)
	if height != first {
		return nil
	}
	if _, err := k.Refresh(kv); err != nil {
		return err
	}
	if err := k.SyncFiles(kv); err != nil {
		return err
	}
	holdings, err := k.Holdings(kv)
	if err != nil {
		return err
	}
	return k.OpenEpoch(kv, epoch, EpochSeed(chainID, epoch, lastAppHash), holdings)
}

// EndBlock closes the epoch whose deadline is height, after the block's
// proofs: unanswered challenges fail, and every challenged node's window
// takes the epoch.
func (k *Keeper) EndBlock(kv state.KV, height int64) error {
	if !k.params.Enabled {
		return nil
	}
	epoch, _ := k.params.Epoch(height)
	if height != k.params.Deadline(epoch) {
		return nil
	}
	return k.CloseEpoch(kv, epoch)
}
