#!/usr/bin/env bash
# Run a 4-validator network as separate alephd processes on 127.0.0.1.
#   scripts/localnet.sh start   # writes build/localnet on first use; logs and pids in each node's home
#   scripts/localnet.sh stop    # stops them by pid
#   scripts/localnet.sh reset   # stops them and removes build/localnet: the next start writes a new network
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${LOCALNET_DIR:-build/localnet}
n=${LOCALNET_VALIDATORS:-4}
# ours PID HOME: is PID this home's alephd (and not whatever took a stale pid)?
ours() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF "start --home $2"; }
case "${1:-}" in
start)
  [ -d "$dir/node0" ] || ./bin/alephd testnet --validators "$n" --output "$dir"
  for home in "$dir"/node*; do
    if [ -f "$home/pid" ] && ours "$(cat "$home/pid")" "$home"; then
      echo "$home: already running (pid $(cat "$home/pid"))"; continue
    fi
    ./bin/alephd start --home "$home" >>"$home/node.log" 2>&1 &
    echo $! >"$home/pid"
    echo "$home: started (pid $!, log $home/node.log, $(grep api_addr "$home/config/app.toml"))"
  done ;;
stop|reset)
  for home in "$dir"/node*; do
    [ -f "$home/pid" ] || continue
    pid=$(cat "$home/pid")
    if ours "$pid" "$home" && kill "$pid" 2>/dev/null; then
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
      echo "$home: stopped (pid $pid)"
    fi
    rm -f "$home/pid"
  done
  if [ "$1" = reset ]; then rm -rf "$dir"; echo "$dir: removed"; fi ;;
*) echo "usage: $0 start|stop|reset" >&2; exit 2 ;;
esac
