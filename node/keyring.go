package node

import "path/filepath"

// KeyringDir is where a home keeps its account keys.
func KeyringDir(home string) string { return filepath.Join(home, "keyring") }
