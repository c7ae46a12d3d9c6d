package crn

import (
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/alephd/alephd/content"
)

// Config is a resource node's home config, config.json.
type Config struct {
	// CCNs are the API base URLs of the core channel nodes followed, in
	// the order they are tried (CCN).
	CCNs []string `json:"ccns"`
	// Listen is the host:port the node's HTTP server listens on.
	Listen string `json:"listen"`
	// URL is the address registered on chain, where validators probe the
	// node and clients fetch files.
	URL string `json:"url"`
	// NodeHash is the node's hash, the item_hash of its
	// create-resource-node POST; empty until `crn register`.
	NodeHash string `json:"node_hash,omitempty"`
	// ChainID is the chain the node registered on.
	ChainID string `json:"chain_id,omitempty"`
}

// Home is a resource node's home directory: config.json, key (the
// secp256k1 private key, hex, 0600) and data/ (the content store).
type Home struct{ Dir string }

func (h Home) configPath() string { return filepath.Join(h.Dir, "config.json") }
func (h Home) keyPath() string    { return filepath.Join(h.Dir, "key") }

// DataDir is where files are kept.
func (h Home) DataDir() string { return filepath.Join(h.Dir, "data") }

// ErrInitialized is Init's error for a home that already has a key.
var ErrInitialized = errors.New("the home already holds a resource node")

// Init creates the home with cfg and a new key; it refuses a home that
// already has one, so a key is never replaced by mistake.
func (h Home) Init(cfg Config) (*ecdsa.PrivateKey, error) {
	if _, err := os.Stat(h.keyPath()); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrInitialized, h.keyPath())
	}
	if err := os.MkdirAll(h.DataDir(), 0o700); err != nil {
		return nil, err
	}
	key, err := crypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	// A temp file is created 0600, and renamed only once synced.
	if err := content.WriteFileDurably(h.Dir, "key", []byte(hex.EncodeToString(crypto.FromECDSA(key)))); err != nil {
		return nil, err
	}
	return key, h.Save(cfg)
}

// Save replaces config.json durably.
func (h Home) Save(cfg Config) error {
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return content.WriteFileDurably(h.Dir, "config.json", append(b, '\n'))
}

// Load reads the config and key.
func (h Home) Load() (Config, *ecdsa.PrivateKey, error) {
	var cfg Config
	b, err := os.ReadFile(h.configPath())
	if err != nil {
		return cfg, nil, fmt.Errorf("%w (run `alephd crn init --home %s` first)", err, h.Dir)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return cfg, nil, fmt.Errorf("%s: %w", h.configPath(), err)
	}
	var legacy struct {
		CCN string `json:"ccn"` // a home made when a node followed one CCN
	}
	if len(cfg.CCNs) == 0 && json.Unmarshal(b, &legacy) == nil && legacy.CCN != "" {
		cfg.CCNs = []string{legacy.CCN}
	}
	key, err := crypto.LoadECDSA(h.keyPath())
	if err != nil {
		return cfg, nil, fmt.Errorf("%s: %w", h.keyPath(), err)
	}
	return cfg, key, nil
}

// Pubkey is key's compressed public key, hex with 0x: what the node
// registers (details.pubkey).
func Pubkey(key *ecdsa.PrivateKey) string {
	return "0x" + hex.EncodeToString(crypto.CompressPubkey(&key.PublicKey))
}

// Address is key's Ethereum account, which signs the node's registration
// and so owns it.
func Address(key *ecdsa.PrivateKey) string { return crypto.PubkeyToAddress(key.PublicKey).Hex() }
