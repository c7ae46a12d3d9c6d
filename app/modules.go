package app

import (
	"encoding/json"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/message"
	"github.com/alephd/alephd/x/payment"
)

// module is what the app asks of every module: its part of genesis.
type module struct {
	name   string
	def    func() any
	init   func(kv state.KV, raw json.RawMessage) error
	export func(kv state.KV) (any, error)
}

// modules is the only definition of module order: genesis runs and exports
// in this order.
func (a *App) modules() []module {
	return []module{
		{
			name: "message",
			def:  func() any { return message.DefaultGenesis() },
			init: func(kv state.KV, raw json.RawMessage) error {
				g := message.DefaultGenesis()
				if err := decodeGenesis(raw, &g); err != nil {
					return err
				}
				return a.messages.Init(kv, g)
			},
			export: func(kv state.KV) (any, error) { return a.messages.Export(kv) },
		},
		{
			name: "balance",
			def:  func() any { return balance.DefaultGenesis() },
			init: func(kv state.KV, raw json.RawMessage) error {
				g := balance.DefaultGenesis()
				if err := decodeGenesis(raw, &g); err != nil {
					return err
				}
				return a.balances.Init(kv, g)
			},
			export: func(kv state.KV) (any, error) { return a.balances.Export(kv) },
		},
		{
			name: "payment",
			def:  func() any { return payment.DefaultGenesis() },
			init: func(kv state.KV, raw json.RawMessage) error {
				g := payment.DefaultGenesis()
				if err := decodeGenesis(raw, &g); err != nil {
					return err
				}
				return a.payments.Init(kv, g)
			},
			export: func(kv state.KV) (any, error) { return a.payments.Export(kv) },
		},
	}
}
