package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/node"
)

func keyring(cmd *cobra.Command) *keys.Ring { return keys.Open(node.KeyringDir(homeFlag(cmd))) }

func keysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage the home's secp256k1 Ethereum account keys"}
	var importHex string
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Create a key (or import one with --private-key)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if importHex == "-" { // off the command line, where ps and shell history see it
				b, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 1024))
				if err != nil {
					return err
				}
				importHex = strings.TrimSpace(string(b))
			}
			k, err := keyring(cmd).Add(args[0], importHex)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\n", k.Name, k.Address)
			return err
		},
	}
	add.Flags().StringVar(&importHex, "private-key", "", "import this hex private key instead of generating one; - reads it from stdin")
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Print a key's address",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := keyring(cmd).Get(args[0])
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), k.Address)
			return err
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List keys and addresses",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ks, err := keyring(cmd).List()
			if err != nil {
				return err
			}
			for _, k := range ks {
				if _, err := fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\n", k.Name, k.Address); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.AddCommand(add, show, list)
	return cmd
}
