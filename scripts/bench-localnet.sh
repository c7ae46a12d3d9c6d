#!/usr/bin/env bash
# Committed msgs/s on a 4-validator network of separate processes on this
# machine: alephd, then CometBFT's own kvstore application (built from the
# cometbft Go module) on the same layout and config, and the ratio.
#   scripts/bench-localnet.sh [duration] [rate]   (rate 0: as fast as they take it)
# VALIDATORS_ONLY=1 runs the alephd nodes without the HTTP API (and so without
# the query index), as validators that serve no clients would.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-30s}
rate=${2:-0}
go build -o bin/alephd ./cmd/alephd
go build -o bin/cometbft github.com/cometbft/cometbft/cmd/cometbft
work=$(mktemp -d)
pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=(); }
trap 'stop; rm -rf "$work"' EXIT

run() { # name base-port start-command...
  local name=$1 base=$2; shift 2
  ./bin/alephd testnet --validators 4 --output "$work/$name" --base-port "$base" --api-base-port $((base + 90)) >/dev/null
  for i in 0 1 2 3; do # a node left running there would take this one's place and skew the figures
    if curl -sf "http://127.0.0.1:$((base + 10*i + 1))/status" >/dev/null 2>&1; then
      echo "port $((base + 10*i + 1)) is already serving a node: stop it first" >&2
      exit 1
    fi
  done
  for i in 0 1 2 3; do
    "$@" --home "$work/$name/node$i" >"$work/$name/node$i/node.log" 2>&1 &
    pids+=($!)
  done
  for i in 0 1 2 3; do
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$((base + 10*i + 1))/status" >/dev/null && break; sleep 0.2; done
  done
  sleep 3
  local nodes=()
  for i in 0 1 2 3; do nodes+=(--node "tcp://127.0.0.1:$((base + 10*i + 1))"); done
  ./bin/alephd bench load "${nodes[@]}" --duration "$duration" --rate "$rate" --concurrency 16 --json ${KV:-} 2>/dev/null
  stop
}
api=()
[ "${VALIDATORS_ONLY:-0}" = 1 ] && api=(--api-addr "")
alephd=$(run alephd 27000 ./bin/alephd start "${api[@]}")
kv=$(KV=--kvstore run kvstore 28000 ./bin/cometbft start --proxy_app kvstore)
python3 - "$alephd" "$kv" <<'PY'
import json, sys
a, k = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"alephd : {a['committed_msgs_per_sec']:.0f} msgs/s committed (p50 {a['latency_p50_ns']/1e9:.2f} s)")
print(f"kvstore: {k['committed_msgs_per_sec']:.0f} txs/s committed (p50 {k['latency_p50_ns']/1e9:.2f} s)")
print(f"ratio alephd/kvstore: {a['committed_msgs_per_sec']/k['committed_msgs_per_sec']:.2f}")
PY
