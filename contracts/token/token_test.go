package token

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
)

// The committed bindings are those of the committed ABI and bytecode: a
// contract edited and recompiled without abigen (or the reverse) fails here.
// Regenerate all three with scripts/gen-token.sh.
func TestBindingsMatchCompiledContract(t *testing.T) {
	bin, err := os.ReadFile("AlephToken.bin")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := AlephTokenMetaData.Bin, "0x"+strings.TrimSpace(string(bin)); got != want {
		t.Fatal("token.go's bytecode differs from AlephToken.bin: run scripts/gen-token.sh")
	}
	raw, err := os.ReadFile("AlephToken.abi")
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := abi.JSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	bound, err := AlephTokenMetaData.GetAbi()
	if err != nil {
		t.Fatal(err)
	}
	if len(fromFile.Methods) != len(bound.Methods) || len(fromFile.Events) != len(bound.Events) || len(fromFile.Errors) != len(bound.Errors) {
		t.Fatal("token.go's ABI differs from AlephToken.abi: run scripts/gen-token.sh")
	}
	for name, m := range fromFile.Methods {
		if bound.Methods[name].Sig != m.Sig {
			t.Fatalf("method %s: token.go has %q, AlephToken.abi %q: run scripts/gen-token.sh", name, bound.Methods[name].Sig, m.Sig)
		}
	}
	for name, e := range fromFile.Events {
		if bound.Events[name].ID != e.ID {
			t.Fatalf("event %s differs between token.go and AlephToken.abi: run scripts/gen-token.sh", name)
		}
	}
	// The event alephd's readers decode, as ERC-20 fixes it.
	if got := fromFile.Events["Transfer"].Sig; got != "Transfer(address,address,uint256)" {
		t.Fatalf("Transfer event is %s", got)
	}
}
