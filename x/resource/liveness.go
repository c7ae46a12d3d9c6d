package resource

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	pb "github.com/alephd/alephd/proto/alephdv1"
	"github.com/alephd/alephd/state"
)

// Liveness. An epoch of epoch_blocks has probes_per_epoch slots of
// L = epoch_blocks / probes_per_epoch blocks; slot s starts at the epoch's
// first height plus s·L. At a slot's start BeginBlock records its nonce,
// drawn from the app hash committed before that block, so nobody (the
// resource node included) knows it earlier. Validators' nodes probe every
// member of the epoch (the nodes files are assigned to, fixed at its start)
// with that nonce, and report the signed answers in their vote extensions.
// A slot is up for a node once validators holding more than 2/3 of the
// power carry a valid answer in one record's evidence. A missing answer
// proves nothing (the validator may be the one cut off), so nothing is
// ever recorded against a node: a slot that no 2/3 saw up simply is not
// up when the epoch closes.
//
// A slot stays open (its answers count) until the end of the next slot,
// Until = start + 2L − 1, and never past the epoch's last height. One slot
// is too tight: an answer made at a slot's start reaches a record two
// blocks later at best (committed nonce, then a vote extension, then the
// record), and a node that just missed its slot's first block should not
// lose it. Far longer would let a node that was down most of the epoch
// come back at its end and answer every slot's nonce at once: with two
// open at a time, a node answering now is up for at most the last 2L
// blocks. A slot no record could name (Until < start + 2, only when L < 3)
// is never opened and does not count.

// liveDomain separates a slot's nonce from the other draws of the app hash
// (EpochSeed).
const liveDomain = "alephd/resource/live-nonce/v1"

// Slots is how many liveness slots an epoch has: probes_per_epoch, 0 if
// the module or liveness is off.
func (p Params) Slots() uint32 {
	if !p.Enabled {
		return 0
	}
	return p.ProbesPerEpoch
}

// SlotSpan is slot's first height in epoch and the last height whose
// record may name it (Until); ok is false for a slot that is not opened:
// liveness off, slot past probes_per_epoch, or too short to be answered.
func (p Params) SlotSpan(epoch uint64, slot uint32) (start, until int64, ok bool) {
	if slot >= p.Slots() {
		return 0, 0, false
	}
	l := p.EpochBlocks / int64(p.ProbesPerEpoch)
	first := int64(epoch)*p.EpochBlocks + 1
	last := first + p.EpochBlocks - 1
	start = first + int64(slot)*l
	until = min(start+2*l-1, last)
	return start, until, until >= start+2
}

// slotAt is the slot that starts at height, if one does.
func (p Params) slotAt(height int64) (epoch uint64, slot uint32, ok bool) {
	if p.Slots() == 0 {
		return 0, 0, false
	}
	epoch, first := p.Epoch(height)
	l := p.EpochBlocks / int64(p.ProbesPerEpoch)
	if (height-first)%l != 0 || (height-first)/l >= int64(p.ProbesPerEpoch) {
		return 0, 0, false
	}
	slot = uint32((height - first) / l) //nolint:gosec // below probes_per_epoch
	_, _, ok = p.SlotSpan(epoch, slot)
	return epoch, slot, ok
}

// SlotsOpened is how many of epoch's slots open: what a member's liveness
// is counted over.
func (p Params) SlotsOpened(epoch uint64) uint32 {
	var n uint32
	for s := range p.Slots() {
		if _, _, ok := p.SlotSpan(epoch, s); ok {
			n++
		}
	}
	return n
}

// SlotNonce is the nonce of slot (epoch, slot) on chainID, from the app
// hash committed before the slot's first block: SHA256(domain ‖ len‖chain
// id ‖ epoch ‖ slot ‖ app hash), the length 2-byte, epoch 8-byte and slot
// 4-byte big-endian. A proposer cannot choose it after seeing it: the app
// hash is the previous block's execution, fixed before the proposal.
func SlotNonce(chainID string, epoch uint64, slot uint32, lastAppHash []byte) []byte {
	h := sha256.New()
	h.Write([]byte(liveDomain))
	h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(chainID)))) //nolint:gosec // chain ids are at most 50 bytes
	h.Write([]byte(chainID))
	h.Write(binary.BigEndian.AppendUint64(nil, epoch))
	h.Write(binary.BigEndian.AppendUint32(nil, slot))
	h.Write(lastAppHash)
	return h.Sum(nil)
}

// openSlot records the nonce of the slot starting at height, if one does.
func (k *Keeper) openSlot(kv state.KV, height int64, chainID string, lastAppHash []byte) error {
	epoch, slot, ok := k.params.slotAt(height)
	if !ok {
		return nil
	}
	return kv.Set(nonceKey(epoch, slot), SlotNonce(chainID, epoch, slot, lastAppHash))
}

// closeSlots deletes the nonce of every slot whose Until is height, after
// the block's record: from the next block on, answers to it count no more.
func (k *Keeper) closeSlots(kv state.KV, height int64) error {
	if k.params.Slots() == 0 {
		return nil
	}
	epoch, _ := k.params.Epoch(height)
	for s := range k.params.Slots() {
		if _, until, ok := k.params.SlotSpan(epoch, s); ok && until == height {
			if err := kv.Delete(nonceKey(epoch, s)); err != nil {
				return err
			}
		}
	}
	return nil
}

// SlotNonceAt is an open slot's nonce, nil if the slot is not open.
func (k *Keeper) SlotNonceAt(kv state.KV, epoch uint64, slot uint32) ([]byte, error) {
	return kv.Get(nonceKey(epoch, slot))
}

// IsUp reports whether node was seen up in slot (epoch, slot).
func (k *Keeper) IsUp(kv state.KV, epoch uint64, node string, slot uint32) (bool, error) {
	return kv.Has(upKey(epoch, node, slot))
}

// openSlots lists the slots open in kv, in (epoch, slot) order, with their
// nonces.
func (k *Keeper) openSlots(kv state.KV) ([]openSlot, error) {
	prefix := []byte{ModulePrefix, prefixNonce}
	var out []openSlot
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		o := openSlot{epoch: r.Uint64(), slot: r.Uint32(), nonce: bytes.Clone(v)}
		if bad = r.Err(); bad != nil {
			return false
		}
		out = append(out, o)
		return true
	})
	return out, errors.Join(err, bad)
}

type openSlot struct {
	epoch uint64
	slot  uint32
	nonce []byte
}

// ProbeTargets lists what a validator's prober should probe after the
// block at height (kv is that height's committed state): for every slot
// still open whose answers can reach a record (Until at least height+2:
// answers go in the vote extensions of height+1, their record heads
// height+2), every member not yet seen up in it that has a registered key,
// with its URL and key, in (epoch, slot, node) order. chainID is the chain
// the answers are for; the nonce already binds it.
func (k *Keeper) ProbeTargets(kv state.KV, height int64, chainID string) ([]ProbeTarget, error) {
	_ = chainID
	if k.params.Slots() == 0 {
		return nil, nil
	}
	slots, err := k.openSlots(kv)
	if err != nil || len(slots) == 0 {
		return nil, err
	}
	members, err := k.Members(kv)
	if err != nil {
		return nil, err
	}
	records := make([]*pb.NodeRecord, len(members))
	for i, m := range members {
		if records[i], err = k.nodes.Node(kv, m.Node); err != nil {
			return nil, err
		}
	}
	var out []ProbeTarget
	for _, o := range slots {
		_, until, ok := k.params.SlotSpan(o.epoch, o.slot)
		if !ok || until < height+2 {
			continue
		}
		for i, m := range members {
			r := records[i]
			if r == nil || len(r.Pubkey) == 0 {
				continue
			}
			up, err := k.IsUp(kv, o.epoch, m.Node, o.slot)
			if err != nil {
				return nil, err
			}
			if !up {
				out = append(out, ProbeTarget{Node: m.Node, URL: r.Address, Pubkey: bytes.Clone(r.Pubkey), Epoch: o.epoch, Slot: o.slot, Nonce: o.nonce, Until: until})
			}
		}
	}
	return out, nil
}

// LiveVote is one validator's probe answers, from its vote extension, and
// its voting power.
type LiveVote struct {
	Power   int64
	Answers []*pb.ProbeAnswer
}

// liveSubject is what an answer is about.
type liveSubject struct {
	node  string
	epoch uint64
	slot  uint32
}

// TallyLive is the slots that votes, out of total power, show up in state
// kv (the committed state the record is checked over), sorted by (epoch,
// node, slot): those for which the validators carrying a valid answer
// hold more than 2/3 of total. An answer is valid if its slot is open (its
// nonce in kv), the node is a member with a registered key, the slot is
// not yet up for it, and the signature verifies (VerifyProbe over chainID
// and the slot's nonce). A validator counts once per subject, however many
// answers it carries for it.
//
// Verification is the cost, so it is spent only where it can decide
// something. A subject that the validators carrying any answer for it
// cannot back (at most 2/3 of the power) is skipped unread. Otherwise its
// distinct signatures are verified, most-carried first, each once, until
// the valid ones reach more than 2/3 or the rest could not: honest nodes
// sign deterministically (RFC 6979), so the honest validators' answers to
// one slot share one signature and one verification settles it, whatever
// garbage a third of the power adds beside it. The result does not depend
// on that order, only the work does. Pure function of kv and the votes:
// the proposer builds Attestation.live with it and every validator checks
// the record against it.
func (k *Keeper) TallyLive(kv state.KV, chainID string, votes []LiveVote, total int64) ([]*pb.ProbeSlot, error) {
	if k.params.Slots() == 0 {
		return nil, nil
	}
	type group struct {
		sig    []byte
		voters []int // indexes in votes
		power  int64
	}
	type claims struct {
		subject liveSubject
		groups  []*group
		bySig   map[string]int // index in groups
		power   int64          // of the validators carrying any answer
	}
	bySubject := map[liveSubject]*claims{}
	var order []*claims
	for vi, v := range votes {
		carried := map[liveSubject]bool{}
		for _, a := range v.Answers {
			s := liveSubject{a.GetNode(), a.GetEpoch(), a.GetSlot()}
			c := bySubject[s]
			if c == nil {
				c = &claims{subject: s, bySig: map[string]int{}}
				bySubject[s] = c
				order = append(order, c)
			}
			if !carried[s] {
				carried[s] = true
				c.power += v.Power
			}
			i, ok := c.bySig[string(a.GetSignature())]
			if !ok {
				i = len(c.groups)
				c.bySig[string(a.GetSignature())] = i
				c.groups = append(c.groups, &group{sig: a.GetSignature()})
			}
			// Votes are read in order: a validator already in the group
			// is its last voter.
			if g := c.groups[i]; len(g.voters) == 0 || g.voters[len(g.voters)-1] != vi {
				g.voters = append(g.voters, vi)
				g.power += v.Power
			}
		}
	}
	backs := func(p int64) bool { return p*3 > total*2 } // power is at most 2^57 (CometBFT): no overflow
	var out []*pb.ProbeSlot
	for _, c := range order {
		if !backs(c.power) {
			continue
		}
		info, err := k.subject(kv, c.subject)
		if err != nil {
			return nil, err
		}
		if !info.open {
			continue
		}
		slices.SortStableFunc(c.groups, func(x, y *group) int {
			return cmp.Or(cmp.Compare(y.power, x.power), bytes.Compare(x.sig, y.sig))
		})
		var rest int64
		for _, g := range c.groups {
			rest += g.power
		}
		backed := make([]bool, len(votes))
		var power int64
		for _, g := range c.groups {
			if !backs(power + rest) {
				break // even if every answer left were valid
			}
			rest -= g.power
			if !VerifyProbe(info.pubkey, chainID, c.subject.node, c.subject.epoch, c.subject.slot, info.nonce, g.sig) {
				continue
			}
			for _, vi := range g.voters {
				if !backed[vi] {
					backed[vi], power = true, power+votes[vi].Power
				}
			}
			if backs(power) {
				out = append(out, &pb.ProbeSlot{Node: c.subject.node, Epoch: c.subject.epoch, Slot: c.subject.slot})
				break
			}
		}
	}
	slices.SortFunc(out, compareSlots)
	return out, nil
}

func compareSlots(a, b *pb.ProbeSlot) int {
	return cmp.Or(cmp.Compare(a.Epoch, b.Epoch), cmp.Compare(a.Node, b.Node), cmp.Compare(a.Slot, b.Slot))
}

// subjectInfo is what state says of one subject: whether answers to it
// may count (open), and the nonce and key they are checked with.
type subjectInfo struct {
	open   bool
	nonce  []byte
	pubkey []byte
}

// subject reads whether s may be answered, and with what.
func (k *Keeper) subject(kv state.KV, s liveSubject) (*subjectInfo, error) {
	info := &subjectInfo{}
	nonce, err := k.SlotNonceAt(kv, s.epoch, s.slot)
	if err != nil || nonce == nil {
		return info, err
	}
	member, err := kv.Has(memberKey(s.node))
	if err != nil || !member {
		return info, err
	}
	up, err := k.IsUp(kv, s.epoch, s.node, s.slot)
	if err != nil || up {
		return info, err
	}
	r, err := k.nodes.Node(kv, s.node)
	if err != nil || r == nil || len(r.Pubkey) == 0 {
		return info, err
	}
	info.open, info.nonce, info.pubkey = true, nonce, r.Pubkey
	return info, nil
}

// ApplyLive marks a checked record's slots up. A slot closed since, a node
// no longer a member, or a slot already up is skipped: it changes nothing.
func (k *Keeper) ApplyLive(kv state.KV, slots []*pb.ProbeSlot) error {
	if k.params.Slots() == 0 {
		return nil
	}
	for _, s := range slots {
		nonce, err := k.SlotNonceAt(kv, s.Epoch, s.Slot)
		if err != nil {
			return err
		}
		member, err := kv.Has(memberKey(s.Node))
		if err != nil {
			return err
		}
		if nonce == nil || !member {
			continue
		}
		if err := kv.Set(upKey(s.Epoch, s.Node, s.Slot), present); err != nil {
			return err
		}
	}
	return nil
}

// FinishEpoch ends epoch at its last height, after its proofs closed
// (CloseEpoch, at the proof deadline): every member's liveness (the slots
// opened, the slots it was seen up in) goes into its score window, the
// epoch's nonces and up marks are deleted, and then every member the
// epoch judged (on proofs, liveness or both: its window holds the epoch)
// is judged once (judge: unlinked after zero_score_epochs at 0).
func (k *Keeper) FinishEpoch(kv state.KV, epoch uint64) error {
	members, err := k.Members(kv)
	if err != nil {
		return err
	}
	if opened := k.params.SlotsOpened(epoch); opened > 0 {
		up, err := k.upCounts(kv, epoch)
		if err != nil {
			return err
		}
		for _, m := range members {
			t := &pb.EpochTally{Epoch: epoch, Slots: opened, Up: min(up[m.Node], opened)}
			if _, err := k.record(kv, m.Node, t); err != nil {
				return err
			}
		}
	}
	for _, prefix := range [][]byte{
		state.NewKey(ModulePrefix, prefixNonce).Uint64(epoch).Bytes(),
		state.NewKey(ModulePrefix, prefixUp).Uint64(epoch).Bytes(),
	} {
		if err := deletePrefix(kv, prefix); err != nil {
			return err
		}
	}
	for _, m := range members {
		w, err := k.Window(kv, m.Node)
		if err != nil {
			return err
		}
		if len(w.Epochs) == 0 || w.Epochs[len(w.Epochs)-1].Epoch != epoch {
			continue // nothing judged it this epoch
		}
		if err := k.judge(kv, m.Node, w); err != nil {
			return err
		}
	}
	return nil
}

// upCounts is how many slots of epoch each node was seen up in.
func (k *Keeper) upCounts(kv state.KV, epoch uint64) (map[string]uint32, error) {
	prefix := state.NewKey(ModulePrefix, prefixUp).Uint64(epoch).Bytes()
	out := map[string]uint32{}
	var bad error
	err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		r := state.ReadKey(key, len(prefix))
		n := r.String()
		r.Uint32()
		if bad = r.Err(); bad != nil {
			return false
		}
		out[n]++
		return true
	})
	return out, errors.Join(err, bad)
}

// deletePrefix deletes every key under prefix (collected first: a store
// is not changed while it is iterated).
func deletePrefix(kv state.KV, prefix []byte) error {
	var keys [][]byte
	err := state.IteratePrefix(kv, prefix, false, func(key, _ []byte) bool {
		keys = append(keys, bytes.Clone(key))
		return true
	})
	if err != nil {
		return err
	}
	for _, key := range keys {
		if err := kv.Delete(key); err != nil {
			return err
		}
	}
	return nil
}

// checkLiveness is the liveness part of Invariants: every open slot and
// every slot marked up is one the params open, a nonce is 32 bytes, and an
// up mark is present and names a member (members change only at an
// epoch's start, after the last epoch's marks are gone).
func (k *Keeper) checkLiveness(kv state.KV) error {
	slots, err := k.openSlots(kv)
	if err != nil {
		return err
	}
	for _, o := range slots {
		if _, _, ok := k.params.SlotSpan(o.epoch, o.slot); !ok || len(o.nonce) != sha256.Size {
			return fmt.Errorf("open slot %d/%d (nonce of %d bytes) is not one the params open", o.epoch, o.slot, len(o.nonce))
		}
	}
	prefix := []byte{ModulePrefix, prefixUp}
	var bad error
	var nodes []string
	err = state.IteratePrefix(kv, prefix, false, func(key, v []byte) bool {
		r := state.ReadKey(key, len(prefix))
		epoch, node, slot := r.Uint64(), r.String(), r.Uint32()
		if bad = r.Err(); bad == nil {
			if _, _, ok := k.params.SlotSpan(epoch, slot); !ok || !bytes.Equal(v, present) {
				bad = fmt.Errorf("slot %d/%d up for %s is not one the params open", epoch, slot, node)
			}
		}
		nodes = append(nodes, node)
		return bad == nil
	})
	if err = errors.Join(err, bad); err != nil {
		return err
	}
	for _, node := range nodes { // read after the iteration, which must not be nested
		if member, err := kv.Has(memberKey(node)); err != nil || !member {
			return errors.Join(err, fmt.Errorf("a slot is up for %s, which is no member", node))
		}
	}
	return nil
}
