package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/alephd/alephd/internal/pebbledb"
	"github.com/alephd/alephd/node"
)

func indexCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "index", Short: "Manage the query index (not consensus state)"}
	cmd.AddCommand(&cobra.Command{
		Use:   "rebuild",
		Short: "Drop the query index; the next start rebuilds it from the block store",
		Long: `Drop the query index of a stopped node. The index holds nothing the chain does
not: on the next 'alephd start' it is rebuilt from CometBFT's block store, block
by block, before new blocks are followed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home := homeFlag(cmd)
			if !node.IsInitialized(home) {
				return fmt.Errorf("%s is not an alephd home", home)
			}
			dir := node.IndexDir(home)
			if _, err := os.Stat(dir); err == nil {
				// The node holds the index open while it runs: removing
				// it then would leave it serving deleted files.
				db, err := pebbledb.Open(dir, "index")
				if err != nil {
					return node.InUse(home, err)
				}
				if err := db.Close(); err != nil {
					return err
				}
			}
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "removed %s; the next start rebuilds it from the block store\n", dir)
			return err
		},
	})
	return cmd
}
