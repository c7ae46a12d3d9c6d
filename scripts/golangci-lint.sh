#!/usr/bin/env bash
# Builds golangci-lint at the version `make lint` is written for, caches the
# binary and prints its path. The first build takes a few minutes; later calls
# print the cached path at once.
#
# golangci-lint is not in our go.mod on purpose: its own dependencies would
# move ours. `go install pkg@version` builds it from its own go.mod instead,
# and it is built with our Go toolchain, which it needs in order to load
# packages written for our Go version.
set -euo pipefail
VERSION=${GOLANGCI_LINT_VERSION:-v2.15.0}
CACHE=${ALEPHD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alephd}
OUT="$CACHE/golangci-lint-$VERSION"
mkdir -p "$CACHE"

# Two `make lint` runs may start at once: one builds, the other waits.
exec 9>"$CACHE/golangci-lint.lock"
flock 9
if [ -x "$OUT" ] && "$OUT" version >/dev/null 2>&1; then
	echo "$OUT"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "golangci-lint.sh: building golangci-lint $VERSION into $OUT (a few minutes on 2 cores)" >&2
# Outside any module, so that our go.mod is neither read nor touched.
(cd / && GOBIN="$work" GOFLAGS=-buildvcs=false go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$VERSION")
mv "$work/golangci-lint" "$OUT"
echo "$OUT"
