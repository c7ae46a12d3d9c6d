package main

import (
	"fmt"

	"github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"

	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/node"
	"github.com/alephd/alephd/x/balance"
	"github.com/alephd/alephd/x/chains"
)

func loadGenesis(path string) (*types.GenesisDoc, error) { return types.GenesisDocFromFile(path) }

func genesisCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "genesis", Short: "Edit the genesis before the first start"}
	cmd.AddCommand(&cobra.Command{
		Use:   "add-balance ADDRESS|KEY AMOUNT",
		Short: "Credit an account in genesis (AMOUNT in ALEPH, up to 18 decimals)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			home := homeFlag(cmd)
			addr := args[0]
			if !chains.IsAddress(addr) {
				k, err := keys.Open(node.KeyringDir(home)).Get(addr)
				if err != nil {
					return fmt.Errorf("%q is neither an address (of any chain alephd verifies) nor a key name: %w", addr, err)
				}
				addr = k.Address
			}
			units, err := parseALEPH(args[1])
			if err != nil {
				return err
			}
			if err := node.AddGenesisBalance(home, addr, units); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "genesis: %s holds %s ALEPH\n", addr, args[1])
			return err
		},
	})
	cmd.AddCommand(genesisEthCmd(), genesisResourceCmd())
	return cmd
}

// parseALEPH converts a decimal ALEPH amount into 10^-18 units.
func parseALEPH(s string) (string, error) {
	units, err := balance.ParseTokens(s, false)
	if err != nil {
		return "", err
	}
	return units.String(), nil
}
