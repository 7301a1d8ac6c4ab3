#!/usr/bin/env bash
# Installs tfplugindocs (docs generator) into .tools/bin from the Go module proxy.
source "$(dirname "$0")/lib.sh"
bin="$TOOLS_BIN/tfplugindocs"
stamp="$TOOLS/.tfplugindocs-$TFPLUGINDOCS_VERSION"
if [ -x "$bin" ] && [ -f "$stamp" ]; then echo "$bin"; exit 0; fi
log "installing tfplugindocs $TFPLUGINDOCS_VERSION (once)"
GOBIN="$TOOLS_BIN" go install "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs@$TFPLUGINDOCS_VERSION" >&2
touch "$stamp"
echo "$bin"
