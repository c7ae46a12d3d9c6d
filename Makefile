# alephd — run `make help` for the targets.
GO        ?= go
BIN       := bin/alephd
# cgo on: go-ethereum's libsecp256k1 recovers signatures ~3.5x faster than pure Go.
export CGO_ENABLED := 1

.PHONY: help build run test test-unit test-race test-sim bench bench-localnet lint proto-gen localnet-start localnet-stop localnet-reset e2e clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## Build bin/alephd
	$(GO) build -o $(BIN) ./cmd/alephd

run: build ## Run a single-validator dev chain (home ~/.alephd-dev, RPC 127.0.0.1:26657)
	./$(BIN) start --dev

test: ## Run every test
	$(GO) test -count=1 -timeout 30m ./... # the first run on a machine also builds kubo (~6 min) and geth (~5 min) for the content and Ethereum tests

test-unit: ## fast: skips process-level tests (networks, binaries, SDK, kubo)
	$(GO) test -short -count=1 ./...

test-race: ## Run every test with the race detector
	$(GO) test -race -count=1 ./...

test-sim: ## Seeded random simulation: invariants every block, determinism, export/import (SIM_SEED, SIM_BLOCKS)
	$(GO) test -count=1 -v -run 'Simulation' ./simulation/ # SIM_SEED=n SIM_BLOCKS=n for other runs

bench: build ## Benchmarks: admission and block execution msgs/s per core; committed msgs/s on a dev node under 30 s of RPC load; query-index writes; 64 MiB ingest; API listings over a 1M-message index; node operations and the epoch's validator set; the Ethereum reader and block time under a busy token (real geth --dev)
	$(GO) test -run '^$$' -bench . -benchtime 3s -cpu 1 ./abci/
	./scripts/bench-node.sh 30s
	$(GO) test -run '^$$' -bench IndexBlock -benchtime 20x -cpu 1 ./index/
	$(GO) test -run '^$$' -bench Ingest64MiB -benchtime 20x ./api/
	$(GO) test -run '^$$' -bench IndexMessages -benchtime 1x -timeout 30m ./api/
	$(GO) test -run '^$$' -bench 'NodeBlock|Epoch' -benchtime 20x -cpu 1 ./x/node/
	$(GO) test -run '^$$' -bench Reader10k -benchtime 3x ./ethsync/
	$(GO) test -run '^$$' -bench BlockTimeEthLoad -benchtime 1x ./node/

lint: ## gofmt, golangci-lint (.golangci.yml) and internal/lint/determinism: vet, staticcheck, errcheck, unused; no clock, rand, goroutines, floats or CometBFT where DESIGN forbids them
	@# Each check runs even when one before it fails, so that one run shows every finding.
	@# The first call of scripts/golangci-lint.sh builds the pinned golangci-lint (~4 min on 2 cores);
	@# its govet replaces `go vet`.
	@status=0; \
	files=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go' | grep -v '\.pb\.go$$')); \
	test -z "$$files" || { echo "gofmt -w needed:" $$files; status=1; }; \
	golangci=$$(./scripts/golangci-lint.sh) && $$golangci run ./... || status=1; \
	$(GO) run ./internal/lint/determinism ./x/... ./app/... ./state/... || status=1; \
	exit $$status

proto-gen: ## Regenerate proto/alephdv1 from proto/alephd/v1 (needs protoc; installs protoc-gen-go)
	$(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" protoc -I proto --go_out=. --go_opt=module=github.com/alephd/alephd proto/alephd/v1/*.proto

bench-localnet: ## Committed msgs/s on 4 local validators, alephd vs CometBFT kvstore: a 30 s flood (DURATION=60s, RATE=1000 to pace)
	./scripts/bench-localnet.sh $${DURATION:-30s} $${RATE:-0}

e2e: ## Tests on real processes: the binary (kill -9, tx submit), 4-validator fault cases, the Aleph SDK
	$(GO) test -count=1 -v ./cmd/alephd/ ./networks/ ./e2e/

localnet-start: build ## Run a 4-validator network as separate processes on 127.0.0.1 (homes, logs, pids in build/localnet)
	./scripts/localnet.sh start

localnet-stop: ## Stop the local network by pid
	./scripts/localnet.sh stop

localnet-reset: ## Stop the local network and remove it (build/localnet); the next localnet-start writes a new one
	./scripts/localnet.sh reset

clean: ## Remove build output
	rm -rf bin
