package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/payment"
)

// DefaultGenesis returns the app_state of a new chain, module by module.
func DefaultGenesis() json.RawMessage {
	b, _ := json.MarshalIndent(defaultGenesis(), "", "  ") // map keys are sorted
	return b
}

func defaultGenesis() map[string]any {
	a := &App{}
	out := map[string]any{}
	for _, m := range a.modules() {
		if m.DefaultGenesis != nil {
			out[m.Name] = m.DefaultGenesis()
		}
	}
	return out
}

// DevFreeTokens is the personal storage, in ALEPH, that every address has
// on a dev chain or local test network: 10,000 messages and 10 GB of files,
// so any key can post without being funded first.
const DevFreeTokens = 10_000

// DevGenesis is the app_state of a dev chain or local test network: the
// default one, with DevFreeTokens of free personal storage for every
// address and the given oracles (which may then post balances-update).
func DevGenesis(oracles ...string) json.RawMessage { return GenesisWith(DevFreeTokens, oracles...) }

// GenesisWith is the default app_state with freeTokens of free personal
// storage for every address, and the given balance oracles.
func GenesisWith(freeTokens uint64, oracles ...string) json.RawMessage {
	out := defaultGenesis()
	pay := payment.DefaultGenesis()
	pay.Params.FreeTokens = freeTokens
	out["payment"] = pay
	bal := balance.DefaultGenesis()
	bal.Params.Oracles = append(bal.Params.Oracles, oracles...)
	out["balance"] = bal
	b, _ := json.MarshalIndent(out, "", "  ")
	return b
}

func decodeGenesis(raw json.RawMessage, into any) error {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(into)
}

// genesisParts splits app_state by module, refusing a part no module
// reads.
func (a *App) genesisParts(appState json.RawMessage) (map[string]json.RawMessage, error) {
	parts := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(appState)) > 0 {
		if err := json.Unmarshal(appState, &parts); err != nil {
			return nil, fmt.Errorf("app_state is not a JSON object: %w", err)
		}
	}
	known := map[string]bool{}
	for _, m := range a.modules() {
		known[m.Name] = m.InitGenesis != nil
	}
	for _, name := range slices.Sorted(maps.Keys(parts)) {
		if !known[name] {
			return nil, fmt.Errorf("app_state has unknown module %q", name)
		}
	}
	return parts, nil
}

// ValidateGenesis checks app_state, module by module, without writing
// anything: what can be checked without state (Init checks the rest, such
// as endorsements against balances).
func ValidateGenesis(appState json.RawMessage) error {
	a := &App{}
	parts, err := a.genesisParts(appState)
	if err != nil {
		return err
	}
	for _, m := range a.modules() {
		if m.ValidateGenesis == nil {
			continue
		}
		if err := m.ValidateGenesis(parts[m.Name]); err != nil {
			return fmt.Errorf("genesis of %s: %w", m.Name, err)
		}
	}
	return nil
}

// InitGenesis writes app_state into kv, module by module.
func (a *App) InitGenesis(kv state.KV, appState json.RawMessage) error {
	parts, err := a.genesisParts(appState)
	if err != nil {
		return err
	}
	for _, m := range a.modules() {
		if m.InitGenesis == nil {
			continue
		}
		if err := m.InitGenesis(kv, parts[m.Name]); err != nil {
			return fmt.Errorf("genesis of %s: %w", m.Name, err)
		}
	}
	return nil
}

// ExportGenesis reads the committed state back into an app_state document
// that InitGenesis accepts.
func (a *App) ExportGenesis() (json.RawMessage, int64, error) {
	snap, err := a.store.At(0)
	if err != nil {
		return nil, 0, err
	}
	out := map[string]any{}
	for _, m := range a.modules() {
		if m.ExportGenesis == nil {
			continue
		}
		v, err := m.ExportGenesis(snap)
		if err != nil {
			return nil, 0, fmt.Errorf("export %s: %w", m.Name, err)
		}
		out[m.Name] = v
	}
	b, err := json.MarshalIndent(out, "", "  ")
	return b, snap.Version(), err
}
