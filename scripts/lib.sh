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
MLFLOW_VERSION="3.17.2"
SKLEARN_VERSION="1.7.2"
TFPLUGINDOCS_VERSION="v0.25.0"
KUBE_VERSION="v1.34.2"
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
