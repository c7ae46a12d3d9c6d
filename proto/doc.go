// Package proto holds the protobuf definitions of alephd's transactions and
// state records (alephd/v1/*.proto) and, in alephdv1, the Go code generated
// from them with `make proto-gen`. The generated code is committed so a build
// needs no protoc.
package proto
