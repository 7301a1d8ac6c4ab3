#!/usr/bin/env bash
# Installs golangci-lint v2 into .tools/bin from the Go module proxy.
source "$(dirname "$0")/lib.sh"
bin="$TOOLS_BIN/golangci-lint"
stamp="$TOOLS/.golangci-lint-$GOLANGCI_LINT_VERSION"
if [ -x "$bin" ] && [ -f "$stamp" ]; then echo "$bin"; exit 0; fi
log "installing golangci-lint $GOLANGCI_LINT_VERSION (once)"
GOBIN="$TOOLS_BIN" go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_LINT_VERSION" >&2
touch "$stamp"
echo "$bin"
