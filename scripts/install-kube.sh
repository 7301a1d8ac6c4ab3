#!/usr/bin/env bash
# Installs everything the local cluster needs, the slow builds side by side:
# etcd, the Kubernetes control plane, kwok, KServe's manager and Argo's
# workflow-controller (each by its own install script, cached under
# .tools/), then the project's test-infrastructure commands. Logs of each
# build are in .run/install-NAME.log; a failed one is printed.
source "$(dirname "$0")/lib.sh"
pids=() names=()
for name in etcd kubernetes kwok kserve argo; do
  "$ROOT/scripts/install-$name.sh" >"$RUN_DIR/install-$name.log" 2>&1 &
  pids+=($!) names+=("$name")
done
failed=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    cat "$RUN_DIR/install-${names[$i]}.log" >&2
    log "installing ${names[$i]} failed"
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1
log "building the project's cluster tools (mlops-cluster, mlops-standin)"
go build -o "$TOOLS_BIN/mlops-cluster" "$ROOT/internal/testinfra/cmd/mlops-cluster" >&2
go build -o "$TOOLS_BIN/mlops-standin" "$ROOT/internal/testinfra/cmd/mlops-standin" >&2
