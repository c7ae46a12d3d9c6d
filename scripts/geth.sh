#!/usr/bin/env bash
# Builds geth (go-ethereum's client) at the version the Ethereum reader's
# tests run against, caches the binary and prints its path. The first build
# takes about 5 minutes on 2 cores; later calls print the cached path at once.
#
# `go install pkg@version` builds outside our module, so our go.mod is neither
# read nor touched; GOBIN points into a fresh directory of the cache and the
# binary is renamed to carry its version.
set -euo pipefail
VERSION=${GETH_VERSION:-v1.17.10}
CACHE=${ALEPHD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alephd}
OUT="$CACHE/geth-$VERSION"
mkdir -p "$CACHE"

# Tests of several packages may ask at once: one builds, the others wait.
exec 9>"$CACHE/geth.lock"
flock 9
if [ -x "$OUT" ] && "$OUT" version >/dev/null 2>&1; then
	echo "$OUT"
	exit 0
fi

bin=$(mktemp -d "$CACHE/geth-build.XXXXXX")
trap 'rm -rf "$bin"' EXIT
echo "geth.sh: building geth $VERSION into $OUT (about 5 minutes on 2 cores)" >&2
(cd / && CGO_ENABLED=1 GOBIN="$bin" GOFLAGS="-mod=mod -buildvcs=false" \
	go install -trimpath "github.com/ethereum/go-ethereum/cmd/geth@$VERSION")
mv "$bin/geth" "$OUT"
echo "$OUT"
