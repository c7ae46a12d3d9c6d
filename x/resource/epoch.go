package resource

import "github.com/alephd/alephd/state"

// BeginBlock opens an epoch at its first height: the members follow the
// registry (files move off nodes that left and onto nodes that joined),
// the files follow the live STOREs (new ones assigned, released ones
// dropped), then each member's challenges are drawn over what it holds,
// from the seed of the app hash every validator committed before this
// block. At a liveness slot's first height (the epoch's first included)
// it records the slot's nonce, from the same app hash (liveness.go).
func (k *Keeper) BeginBlock(kv state.KV, height int64, chainID string, lastAppHash []byte) error {
	if !k.params.Enabled {
		return nil
	}
	epoch, first := k.params.Epoch(height)
	if height == first {
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
		if err := k.OpenEpoch(kv, epoch, EpochSeed(chainID, epoch, lastAppHash), holdings); err != nil {
			return err
		}
	}
	return k.openSlot(kv, height, chainID, lastAppHash)
}

// EndBlock runs after the block's proofs and attestation record: at the
// proof deadline the epoch's challenges close (unanswered ones fail) into
// the challenged nodes' windows; a liveness slot whose answers count until
// this height closes; and at the epoch's last height the members' liveness
// goes into their windows and each node the epoch judged is judged once,
// on proofs and liveness together (FinishEpoch).
func (k *Keeper) EndBlock(kv state.KV, height int64) error {
	if !k.params.Enabled {
		return nil
	}
	epoch, first := k.params.Epoch(height)
	if height == k.params.Deadline(epoch) {
		if err := k.CloseEpoch(kv, epoch); err != nil {
			return err
		}
	}
	if err := k.closeSlots(kv, height); err != nil {
		return err
	}
	if height == first+k.params.EpochBlocks-1 {
		return k.FinishEpoch(kv, epoch)
	}
	return nil
}
