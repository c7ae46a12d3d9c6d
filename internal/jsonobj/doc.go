// Package jsonobj reads a JSON object's members by their exact names, as
// Python (and so pyaleph and the Aleph clients) reads them. Go's struct
// decoding matches names case-insensitively, so {"channel": "A",
// "CHANNEL": "B"} would read as B there and as A in pyaleph: a message
// could say one thing to pyaleph and another to alephd. Every module that
// reads a member of signed content reads it through this package.
package jsonobj
