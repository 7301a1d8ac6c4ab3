#!/usr/bin/env bash
# Installs kwok (simulated nodes and pods) into .tools/bin with go install.
source "$(dirname "$0")/lib.sh"
stamp="$TOOLS/.kwok-$KWOK_VERSION"
if [ -x "$TOOLS_BIN/kwok" ] && [ -f "$stamp" ]; then exit 0; fi
log "installing kwok $KWOK_VERSION (a few minutes, once)"
GOBIN="$TOOLS_BIN" go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" >&2
touch "$stamp"
