package keys

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/ethereum/go-ethereum/crypto"
)

// Key is a named account key.
type Key struct {
	Name    string
	Address string // EIP-55
	Private *ecdsa.PrivateKey
}

type keyFile struct {
	Name       string `json:"name"`
	Address    string `json:"address"`
	PrivateKey string `json:"private_key"`
}

// Ring is a directory of keys.
type Ring struct{ dir string }

// Open returns the keyring in dir.
func Open(dir string) *Ring { return &Ring{dir: dir} }

var validName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// ErrExists is returned when adding a name already taken.
var ErrExists = errors.New("key already exists")

func (r *Ring) path(name string) string { return filepath.Join(r.dir, name+".json") }

// Add creates a new random key, or imports privHex if given.
func (r *Ring) Add(name, privHex string) (*Key, error) {
	if !validName.MatchString(name) {
		return nil, fmt.Errorf("key name %q: use 1-64 letters, digits, '.', '_' or '-'", name)
	}
	if _, err := os.Stat(r.path(name)); err == nil {
		return nil, fmt.Errorf("%q: %w", name, ErrExists)
	}
	var priv *ecdsa.PrivateKey
	var err error
	if privHex != "" {
		priv, err = crypto.HexToECDSA(strings.TrimPrefix(privHex, "0x"))
	} else {
		priv, err = crypto.GenerateKey()
	}
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", name, err)
	}
	k := &Key{Name: name, Address: crypto.PubkeyToAddress(priv.PublicKey).Hex(), Private: priv}
	b, _ := json.MarshalIndent(keyFile{Name: name, Address: k.Address, PrivateKey: hex.EncodeToString(crypto.FromECDSA(priv))}, "", "  ")
	if err := r.create(name, b); err != nil {
		return nil, err
	}
	return k, nil
}

// create writes a new key file durably and only if name is free: the file
// is written and synced under a temporary name, then linked into place,
// which fails if another process took the name meanwhile. A crash leaves
// the key whole or absent, never an empty file under its name.
func (r *Ring) create(name string, b []byte) error {
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(r.dir, ".new-key-*") // 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // best effort: the key is linked into place or refused either way
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), r.path(name)); errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%q: %w", name, ErrExists)
	} else if err != nil {
		return err
	}
	d, err := os.Open(r.dir)
	if err != nil {
		return err
	}
	defer d.Close() //nolint:errcheck // a directory opened to sync it: Sync reports errors
	return d.Sync()
}

// Get loads a key by name.
func (r *Ring) Get(name string) (*Key, error) {
	b, err := os.ReadFile(r.path(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no key %q in %s: create it with `alephd keys add %s`", name, r.dir, name)
	}
	if err != nil {
		return nil, err
	}
	var f keyFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("key file %s: %w", r.path(name), err)
	}
	priv, err := crypto.HexToECDSA(f.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", r.path(name), err)
	}
	return &Key{Name: f.Name, Address: crypto.PubkeyToAddress(priv.PublicKey).Hex(), Private: priv}, nil
}

// List returns every key, by name.
func (r *Ring) List() ([]*Key, error) {
	entries, err := os.ReadDir(r.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			names = append(names, strings.TrimSuffix(e.Name(), ".json"))
		}
	}
	sort.Strings(names)
	out := make([]*Key, 0, len(names))
	for _, n := range names {
		k, err := r.Get(n)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// FromSeed derives a key from a seed string, for tests, simulations and load
// generation that need the same accounts on every run. Never for real funds.
func FromSeed(seed string) *ecdsa.PrivateKey {
	sum := sha256.Sum256([]byte("alephd test key " + seed))
	k, err := crypto.ToECDSA(sum[:])
	if err != nil {
		panic(err) // a sha256 is below the curve order with overwhelming probability
	}
	return k
}
