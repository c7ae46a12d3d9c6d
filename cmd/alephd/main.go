// Command alephd runs and drives an alephd node: init, start (--dev), genesis,
// keys, tx, query and export.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/alephd/alephd/node"
)

func main() {
	if err := rootCmd().Execute(); err != nil {
		os.Exit(1)
	}
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "alephd",
		Short:         "alephd: an Aleph core channel node replicated by CometBFT",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.PersistentFlags().String("home", node.DefaultHome(), "node home directory ($ALEPHD_HOME)")
	root.AddCommand(initCmd(), startCmd(), genesisCmd(), keysCmd(), txCmd(), queryCmd(), exportCmd(), indexCmd(), testnetCmd(), benchCmd(), versionCmd(), crnCmd())
	return root
}

func homeFlag(cmd *cobra.Command) string {
	h, _ := cmd.Flags().GetString("home")
	return h
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the alephd version",
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), version)
			return err
		},
	}
}

const version = "0.1.0"
