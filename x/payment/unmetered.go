package payment

import "github.com/alephd/alephd/state"

// Unmetered admits every message and charges nothing. It is the only
// provider until token-backed providers (channel endorsements, personal
// storage, core channels) are registered in front of it; then it goes.
type Unmetered struct{}

func (Unmetered) Name() string                        { return "unmetered" }
func (Unmetered) Admits(state.KV, Item) (bool, error) { return true, nil }
func (Unmetered) Charge(state.KV, Item) error         { return nil }
