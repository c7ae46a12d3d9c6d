package errs

import (
	"errors"
	"fmt"
	"sort"
)

// Error is a registered rejection. It is compared by identity: wrap it with
// Wrapf and match it with errors.Is.
type Error struct {
	Codespace   string
	Code        uint32
	Description string
}

func (e *Error) Error() string { return e.Description }

type key struct {
	codespace string
	code      uint32
}

var registry = map[key]*Error{}

// Register declares a rejection. Registering the same (codespace, code) twice
// is a programming error and panics at start-up, before any block runs.
func Register(codespace string, code uint32, description string) *Error {
	if code == 0 {
		panic("errs: code 0 is reserved for success")
	}
	k := key{codespace, code}
	if prev, ok := registry[k]; ok {
		panic(fmt.Sprintf("errs: %s/%d registered twice (%q and %q)", codespace, code, prev.Description, description))
	}
	e := &Error{Codespace: codespace, Code: code, Description: description}
	registry[k] = e
	return e
}

// Wrapf attaches a user-facing explanation to a registered error.
func Wrapf(err *Error, format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
}

// Internal is the codespace reported for errors that are not registered
// rejections; the adapter treats those as node failures, not bad input.
const Internal = "internal"

// ABCIInfo returns the codespace, code and log an ABCI result carries for err.
// An unregistered error yields code 1 in the "internal" codespace.
func ABCIInfo(err error) (codespace string, code uint32, log string) {
	if err == nil {
		return "", 0, ""
	}
	var reg *Error
	if errors.As(err, &reg) {
		return reg.Codespace, reg.Code, err.Error()
	}
	return Internal, 1, err.Error()
}

// IsRegistered reports whether err wraps a registered rejection.
func IsRegistered(err error) bool {
	var reg *Error
	return errors.As(err, &reg)
}

// All returns every registered error, ordered by codespace then code, for
// documentation and for tests that check codes stay stable.
func All() []*Error {
	out := make([]*Error, 0, len(registry))
	for _, e := range registry {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Codespace != out[j].Codespace {
			return out[i].Codespace < out[j].Codespace
		}
		return out[i].Code < out[j].Code
	})
	return out
}
