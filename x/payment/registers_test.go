package payment_test

import (
	"errors"
	"testing"

	"github.com/alephd/alephd/state"
	"github.com/alephd/alephd/x/payment"
)

// byChannel admits only one channel and counts its charges in state, like a
// real provider would record them.
type byChannel struct{ channel string }

func (p byChannel) Name() string { return "channel:" + p.channel }
func (p byChannel) Admits(_ state.KV, it payment.Item) (bool, error) {
	return it.Channel == p.channel, nil
}
func (p byChannel) Charge(kv state.KV, it payment.Item) error {
	return kv.Set([]byte("charged/"+p.channel+"/"+it.Hash), []byte{1})
}

// TestRegistersOrder: the first provider that admits a message is the one
// chosen, the order is the registration order, and a message nobody admits
// gets ErrNoPayer naming it.
func TestRegistersOrder(t *testing.T) {
	store, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	kv := store.Working()
	r := payment.NewRegisters(byChannel{"A"}, byChannel{"B"}, byChannel{"A"})
	cases := []struct {
		channel string
		want    string
	}{{"A", "channel:A"}, {"B", "channel:B"}, {"C", ""}}
	for _, tc := range cases {
		p, err := r.Incoming(kv, payment.Item{Hash: "h-" + tc.channel, Channel: tc.channel, Type: "POST", Owner: "0xabc"})
		if tc.want == "" {
			if !errors.Is(err, payment.ErrNoPayer) || p != nil {
				t.Fatalf("channel %s: got %v, %v; want ErrNoPayer", tc.channel, p, err)
			}
			continue
		}
		if err != nil || p.Name() != tc.want {
			t.Fatalf("channel %s: got %v, %v; want %s", tc.channel, p, err, tc.want)
		}
		if err := p.Charge(kv, payment.Item{Hash: "h-" + tc.channel}); err != nil {
			t.Fatal(err)
		}
		if v, _ := kv.Get([]byte("charged/" + tc.channel + "/h-" + tc.channel)); v == nil {
			t.Fatalf("channel %s: the admitting provider did not charge", tc.channel)
		}
	}
	if _, err := payment.NewRegisters().Incoming(kv, payment.Item{}); !errors.Is(err, payment.ErrNoPayer) {
		t.Fatalf("empty registers admitted a message: %v", err)
	}
}
