#!/usr/bin/env bash
# Start a fresh dev node in a temporary home, load it over RPC from a separate
# process for the given duration, print committed msgs/s, and stop the node by pid.
set -euo pipefail
duration=${1:-30s}
cd "$(dirname "$0")/.."
home=$(mktemp -d)
alephd=${ALEPHD:-./bin/alephd}
rpc_port=${BENCH_RPC_PORT:-26757}
"$alephd" init --home "$home" --chain-id bench --free-tokens 10000 --rpc-laddr "tcp://127.0.0.1:$rpc_port" --p2p-laddr "tcp://127.0.0.1:$((rpc_port+1))" >/dev/null
"$alephd" start --home "$home" ${BENCH_NODE_FLAGS:-} >"$home/node.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$home"' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$rpc_port/status" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "committed signed POSTs on a dev node (1 validator), load from a separate process for $duration:"
"$alephd" bench load --node "tcp://127.0.0.1:$rpc_port" --duration "$duration" --concurrency "${BENCH_CONCURRENCY:-32}"
# What the node used over the whole run (start-up and drain included).
read -r utime stime < <(awk '{print $14, $15}' "/proc/$pid/stat")
rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
echo "node: $(( (utime + stime) / $(getconf CLK_TCK) )) CPU-seconds, peak RSS $(( rss / 1024 )) MiB"
