package api

import (
	"encoding/json"
	"errors"
	"io"
)

// notJSON is why an add_json body is not one JSON value.
type notJSON struct{ err error }

func (e *notJSON) Error() string { return "the body is not one JSON value: " + e.err.Error() }
func (e *notJSON) Unwrap() error { return e.err }

// jsonCheck passes a body through while a decoder checks, as the bytes
// stream past, that they are exactly one JSON value: add_json bodies may
// be as large as an unsigned file, too large to hold per request. The
// decoder keeps at most one scalar in memory. Invalid JSON fails the next
// Read with *notJSON, stopping the store that reads it.
type jsonCheck struct {
	r    io.Reader
	pw   *io.PipeWriter
	done chan error
}

func newJSONCheck(r io.Reader) *jsonCheck {
	pr, pw := io.Pipe()
	j := &jsonCheck{r: r, pw: pw, done: make(chan error, 1)}
	go func() {
		var err error
		if verr := oneValue(json.NewDecoder(pr)); verr != nil {
			err = &notJSON{verr}
		}
		pr.CloseWithError(err)
		j.done <- err
	}()
	return j
}

func (j *jsonCheck) Read(p []byte) (int, error) {
	n, err := j.r.Read(p)
	if n > 0 {
		if _, werr := j.pw.Write(p[:n]); werr != nil {
			return 0, werr
		}
	}
	if err == io.EOF {
		_ = j.pw.Close() // a pipe's Close always returns nil
	}
	return n, err
}

// verdict ends the check, whether or not the body was read to its end,
// and returns a *notJSON unless the body was one JSON value.
func (j *jsonCheck) verdict() error {
	j.pw.CloseWithError(io.ErrUnexpectedEOF) // a no-op after Close at EOF
	return <-j.done
}

// oneValue reads d to its end and fails unless it held one JSON value:
// the decoder's tokens check the syntax, and a second value is refused.
func oneValue(d *json.Decoder) error {
	depth := 0
	for first := true; first || depth > 0; first = false {
		t, err := d.Token()
		if errors.Is(err, io.EOF) {
			if first {
				return errors.New("the body is empty")
			}
			return io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("more than one value")
		}
		return err
	}
	return nil
}
