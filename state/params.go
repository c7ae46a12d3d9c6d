package state

import (
	"encoding/json"
	"fmt"
)

// GetParams decodes a module's JSON params stored at key into v. Params are
// written at genesis, so a missing key means a broken or foreign store.
func GetParams(kv KV, key []byte, module string, v any) error {
	b, err := kv.Get(key)
	if err != nil {
		return err
	}
	if b == nil {
		return fmt.Errorf("%s params missing from state", module)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s params: %w", module, err)
	}
	return nil
}
