// Package content stores the bulk bytes that messages reference by hash.
// The embedded store is pyaleph's "storage" engine: files named by the
// sha256 of their bytes, under the node home. An upload streams to a
// temporary file, is fsynced and renamed into place before Put returns, so
// an acknowledged upload survives a crash. (IPFS CIDs and a kubo backend
// come with the content issue.)
package content
