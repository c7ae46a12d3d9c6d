package main

import (
	"fmt"
	"os"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/spf13/cobra"

	"github.com/alephd/alephd/node"
)

func exportCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the committed state as a genesis document (stop the node first)",
		Long: `Write the node's committed state as a genesis document that
'alephd init --genesis FILE' starts a chain from, at the next height.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			doc, err := node.ExportGenesis(homeFlag(cmd))
			if err != nil {
				return err
			}
			b, err := cmtjson.MarshalIndent(doc, "", "  ")
			if err != nil {
				return err
			}
			if output == "" || output == "-" {
				_, err = fmt.Fprintln(cmd.OutOrStdout(), string(b))
				return err
			}
			return os.WriteFile(output, append(b, '\n'), 0o644)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of stdout")
	return cmd
}
