#!/usr/bin/env bash
# Installs GoReleaser v2 into .tools/bin, built from the Go module proxy.
# Prints the binary's path. Does nothing when it is there.
source "$(dirname "$0")/lib.sh"
GORELEASER_VERSION="${GORELEASER_VERSION:-v2.15.1}"
bin="$TOOLS_BIN/goreleaser"
# The version is read whole first: `grep -q` on a pipe could end it early,
# and pipefail would then take that for a wrong version.
if [ -x "$bin" ] && grep -q "GitVersion: *${GORELEASER_VERSION#v}\$" <<<"$("$bin" --version 2>/dev/null || true)"; then
  echo "$bin"; exit 0
fi
log "building goreleaser $GORELEASER_VERSION with go install (several minutes, once)"
GOBIN="$TOOLS_BIN" GOFLAGS=-mod=mod nice go install \
  -ldflags "-X main.version=${GORELEASER_VERSION#v} -X main.builtBy=install-goreleaser.sh" \
  "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION" >&2
"$bin" --version >&2
echo "$bin"
