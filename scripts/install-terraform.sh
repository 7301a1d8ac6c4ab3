#!/usr/bin/env bash
# Installs Terraform (the last MPL-2.0 release) into .tools/bin, built from the
# Go module proxy. Prints the binary's path. Does nothing when it is there.
source "$(dirname "$0")/lib.sh"
bin="$TOOLS_BIN/terraform"
# (the version is read whole first: `head`/`grep -q` on a pipe can end it
# early, and with pipefail the SIGPIPE reads as a missing binary)
if [ -x "$bin" ] && head -1 <<<"$("$bin" version 2>/dev/null || true)" | grep -q "v$TERRAFORM_VERSION"; then
  echo "$bin"; exit 0
fi
log "building terraform $TERRAFORM_VERSION with go install (a few minutes, once)"
GOBIN="$TOOLS_BIN" GOFLAGS=-mod=mod go install "github.com/hashicorp/terraform@v$TERRAFORM_VERSION" >&2
"$bin" version >&2
echo "$bin"
