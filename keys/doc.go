// Package keys is the home's keyring: named secp256k1 Ethereum keys, one
// JSON file each under <home>/keyring, readable only by their owner. Like
// cosmos-sdk's "test" backend, keys are not encrypted at rest; they are meant
// for development and for operators who protect the home directory.
package keys
