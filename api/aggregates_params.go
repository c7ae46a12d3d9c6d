package api

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// errString is a 422's message.
func errString(s string) error { return errors.New(s) }

// pyBool reads a boolean query parameter as pydantic does (true, 1, yes,
// on, t, y and their opposites, any case); absent is false.
func pyBool(q url.Values, name string) (bool, error) {
	switch strings.ToLower(q.Get(name)) {
	case "", "0", "off", "f", "false", "n", "no":
		return false, nil
	case "1", "on", "t", "true", "y", "yes":
		return true, nil
	}
	return false, fmt.Errorf("%s must be true or false", name)
}

// listValues reads a list parameter in every form clients send it:
// comma-separated (pyaleph's own), repeated, and axios' name[]= for an
// array. Each value is kept once, in order.
func listValues(q url.Values, name string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range append(append([]string{}, q[name]...), q[name+"[]"]...) {
		for _, s := range splitList(v) {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}
