package main

import (
	"strings"
	"testing"
)

// TestKeysAddReadsThePrivateKeyFromStdin: --private-key - imports a key
// without it showing on the command line. The key is web3.js's documented
// example, whose address is known.
func TestKeysAddReadsThePrivateKeyFromStdin(t *testing.T) {
	cmd := rootCmd()
	var out strings.Builder
	cmd.SetOut(&out)
	cmd.SetIn(strings.NewReader("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318\n"))
	cmd.SetArgs([]string{"keys", "add", "imported", "--private-key", "-", "--home", t.TempDir()})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "imported\t0x2c7536E3605D9C16a7a3D7b1898e529396a65c23\n" {
		t.Fatalf("keys add printed %q", got)
	}
}
