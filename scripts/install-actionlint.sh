#!/usr/bin/env bash
# Installs actionlint (the GitHub Actions workflow linter) into .tools/bin,
# built from the Go module proxy. Prints the binary's path. Does nothing when
# it is there.
source "$(dirname "$0")/lib.sh"
ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-v1.7.7}"
bin="$TOOLS_BIN/actionlint"
if [ -x "$bin" ] && [ "$("$bin" -version 2>/dev/null | head -1)" = "$ACTIONLINT_VERSION" ]; then
  echo "$bin"; exit 0
fi
log "building actionlint $ACTIONLINT_VERSION with go install (about a minute, once)"
GOBIN="$TOOLS_BIN" GOFLAGS=-mod=mod nice go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2
"$bin" -version >&2
echo "$bin"
