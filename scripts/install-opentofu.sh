#!/usr/bin/env bash
# Installs OpenTofu into .tools/bin/tofu, built from the Go module proxy.
# Prints the binary's path. Does nothing when it is there.
#
# OpenTofu's go.mod has replace directives, which `go install pkg@version`
# refuses, so the module is downloaded, copied out of the read-only module
# cache, and built there as the main module.
source "$(dirname "$0")/lib.sh"
bin="$TOOLS_BIN/tofu"
# (grep the whole output: OpenTofu prints warnings first, such as one about a
# missing TF_CLI_CONFIG_FILE; read it whole first: `grep -q` on a pipe can end
# it early, and with pipefail the SIGPIPE reads as a missing binary)
if [ -x "$bin" ] && grep -q "^OpenTofu v${OPENTOFU_VERSION#v}\$" <<<"$("$bin" version 2>/dev/null || true)"; then
  echo "$bin"; exit 0
fi
log "building OpenTofu $OPENTOFU_VERSION from the Go module proxy (about 8 minutes, once)"
dir=$(cd "$ROOT" && GOFLAGS=-mod=mod go mod download -json "github.com/opentofu/opentofu@$OPENTOFU_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
src="$TOOLS/src/opentofu-$OPENTOFU_VERSION"
rm -rf "$src"; mkdir -p "$TOOLS/src"
cp -r "$dir" "$src"; chmod -R u+w "$src"
(cd "$src" && GOFLAGS=-mod=mod go build -o "$bin.tmp" -ldflags "-X github.com/opentofu/opentofu/version.dev=no" ./cmd/tofu) >&2
mv "$bin.tmp" "$bin"
rm -rf "$src"
"$bin" version >&2
echo "$bin"
