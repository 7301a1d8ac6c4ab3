#!/usr/bin/env bash
# Shared helpers for the project's scripts. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
TOOLS_BIN="$TOOLS/bin"
RUN_DIR="$ROOT/.run"
mkdir -p "$TOOLS_BIN" "$RUN_DIR"
export PATH="$TOOLS_BIN:$PATH"

TERRAFORM_VERSION="1.5.7"
OPENTOFU_VERSION="v1.12.6"
MLFLOW_VERSION="3.17.2"
SKLEARN_VERSION="1.7.2"
TFPLUGINDOCS_VERSION="v0.25.0"
KUBE_VERSION="v1.34.2"       # tools/kubernetes pins it
ETCD_VERSION="v3.6.4"         # tools/etcd pins it
KWOK_VERSION="v0.8.0"
KSERVE_VERSION="v0.20.0"      # tools/kserve pins it
ARGO_VERSION="v3.7.18"        # tools/argo pins it
KEDA_VERSION="v2.18.0"        # KServe v0.20.0's own requirement (tools/kserve/go.mod): only its CRDs are used
GOLANGCI_LINT_VERSION="v2.15.0"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# free_port prints a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# wait_http URL SECONDS waits until URL answers 200.
wait_http() {
  local url=$1 secs=$2 i
  for ((i = 0; i < secs * 5; i++)); do
    if python3 - "$url" <<'PY' 2>/dev/null; then return 0; fi
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=2).read()
PY
    sleep 0.2
  done
  return 1
}

# build_wrapper DIR PKG=BIN... builds Go commands from the wrapper module
# tools/DIR (a module of the project's own that pins an upstream module and
# repeats its replace directives) into .tools/bin. It does nothing when the
# binaries are there and the module's go.mod and go.sum have not changed.
build_wrapper() {
  local dir=$1 sum stamp pkg bin missing=0
  shift
  sum=$(cat "$ROOT/tools/$dir/go.mod" "$ROOT/tools/$dir/go.sum" | sha256sum | cut -c1-16)
  stamp="$TOOLS/.built-$dir-$sum"
  for pkg in "$@"; do [ -x "$TOOLS_BIN/${pkg#*=}" ] || missing=1; done
  if [ "$missing" = 0 ] && [ -f "$stamp" ]; then return 0; fi
  log "building $* from tools/$dir (a few minutes, once)"
  for pkg in "$@"; do
    bin="${pkg#*=}"
    (cd "$ROOT/tools/$dir" && go build -o "$TOOLS_BIN/$bin" "${pkg%%=*}") >&2
  done
  rm -f "$TOOLS"/.built-"$dir"-*
  touch "$stamp"
}

# module_dir MODULE@VERSION prints the module's directory in the Go module
# cache, downloading it first (upstream manifests are read from there at
# install time; none is committed).
module_dir() {
  go mod download -json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])'
}
