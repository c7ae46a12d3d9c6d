#!/usr/bin/env bash
# Regenerates the test ERC-20's compiled form and Go bindings from
# contracts/token/AlephToken.sol:
#   contracts/token/AlephToken.abi, AlephToken.bin  (solc-js, pinned in contracts/package.json)
#   contracts/token/token.go                        (abigen of go-ethereum v1.17.10)
# All three are committed, so builds and tests need neither node nor solc.
# Run it after changing the contract; `go generate ./contracts/token` runs it too.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix contracts --no-audit --no-fund >/dev/null
node contracts/compile.mjs
# abigen from go-ethereum's module at the version go.mod requires, built
# outside our module so that go.mod is not touched.
(cd contracts/token && GOFLAGS=-mod=mod go run github.com/ethereum/go-ethereum/cmd/abigen@v1.17.10 \
	--abi AlephToken.abi --bin AlephToken.bin --pkg token --type AlephToken --out token.go)
chmod 644 contracts/token/token.go # abigen writes 0600
gofmt -l contracts/token
