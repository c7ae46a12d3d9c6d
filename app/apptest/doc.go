// Package apptest drives the app through the ABCI lifecycle without
// CometBFT: genesis, then blocks of signed messages, committed one by one.
// Every app-level test and the simulation use it, so they exercise exactly
// the code the node runs, on a real IAVL store.
package apptest
