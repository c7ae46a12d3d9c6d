#!/usr/bin/env bash
# Builds kubo (the reference IPFS daemon) at the version content/'s tests
# compare against, caches the binary and prints its path. The first build
# takes a few minutes; later calls print the cached path at once.
#
# `go install github.com/ipfs/kubo/cmd/ipfs@VERSION` refuses kubo because its
# go.mod has exclude directives, so this builds from a writable copy of the
# module as the Go module proxy serves it.
set -euo pipefail
VERSION=${KUBO_VERSION:-v0.43.0}
CACHE=${ALEPHD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alephd}
OUT="$CACHE/ipfs-$VERSION"
mkdir -p "$CACHE"

# Tests of several packages may ask at once: one builds, the others wait.
exec 9>"$CACHE/kubo.lock"
flock 9
if [ -x "$OUT" ] && "$OUT" version >/dev/null 2>&1; then
	echo "$OUT"
	exit 0
fi

# Outside any module, so that our go.mod is neither read nor touched.
src=$(cd / && GOFLAGS=-mod=mod go mod download -json "github.com/ipfs/kubo@$VERSION" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$src" ] || { echo "kubo.sh: go mod download gave no directory for kubo@$VERSION" >&2; exit 1; }
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$src/." "$work/"
chmod -R u+w "$work" # the module cache is read-only
echo "kubo.sh: building kubo $VERSION into $OUT (a few minutes on 2 cores)" >&2
(cd "$work" && CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" go build -trimpath -o "$OUT.tmp" ./cmd/ipfs)
mv "$OUT.tmp" "$OUT"
echo "$OUT"
