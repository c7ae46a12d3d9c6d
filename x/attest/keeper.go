package attest

import (
	"errors"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
)

// ErrRecordMismatch refuses a record that is not what its evidence
// attests. It refuses a block, not a transaction: it has no code.
var ErrRecordMismatch = errors.New("the attestation record is not what its evidence attests")

// Keeper applies attested records. It keeps no state of its own: what waits
// for attestation is the other modules' (a STORE waits in x/message's
// pending queue), which keeps each module the owner of its keys.
type Keeper struct {
	messages MessageKeeper
	payments Payments
	balances Balances
	changed  BalancesChanged
	// params are x/message's, which hold the STORE limits and deadline;
	// they change only at genesis.
	params message.Params
	// eth is the token the chain reads (x/balance's params), nil if none:
	// a chain without one reads nothing more per block.
	eth *balance.EthParams
	// admit applies attested non-inline content (SetAdmit).
	admit Admit
	// live tallies and applies liveness answers (SetLiveness), nil if
	// none.
	live Liveness
}

// SetLiveness gives the keeper what tallies and applies liveness answers.
func (k *Keeper) SetLiveness(l Liveness) { k.live = l }

// NewKeeper returns a keeper over the messages it attests and the payments
// that charge them, the balances it attests and what follows their change.
func NewKeeper(messages MessageKeeper, payments Payments, balances Balances, changed BalancesChanged) *Keeper {
	return &Keeper{messages: messages, payments: payments, balances: balances, changed: changed}
}

// LoadParams reads the params the keeper applies records with.
func (k *Keeper) LoadParams(kv state.KV) (err error) {
	if k.params, err = k.messages.Params(kv); err != nil {
		return err
	}
	bp, err := k.balances.Params(kv)
	k.eth = bp.Ethereum
	return err
}
