#!/usr/bin/env bash
# The fault suite: applies registry objects and endpoints with the provider
# built from this checkout while real faults happen, applies again, plans, and
# prints one row per scenario (objects in state and on the server, orphans,
# duplicates, objects destroyed without need, panics, seconds). It fails when
# any scenario leaves an orphan, a duplicate or a needless destroy, panics, or
# does not converge (the re-apply fails or the plan after it is not empty).
#
#   ./scripts/faults.sh            # every scenario (about 10 minutes)
#   ./scripts/faults.sh --short    # four of them, for the test command
#   ./scripts/faults.sh --only 'MLflow'   # scenarios matching a pattern
#   ./scripts/faults.sh --reuse --short   # on the servers of MLOPS_MLFLOW_DIR and MLOPS_KUBE_DIR,
#                                         # already running (the test command's), which it
#                                         # kills and restarts but leaves running
#
# The faults go through real processes: MLflow and kube-apiserver are killed
# (SIGKILL, by the PIDs their scripts record) and restarted; Terraform is
# killed mid-rollout; toxiproxy (scripts/install-toxiproxy.sh) sits in front
# of each server and injects latency, resets, timeouts and 429/503 bursts. The
# suite starts its own MLflow and cluster (state under .run/faults-mlflow and
# .run/faults-kube) and its own toxiproxy (log under .run/faults-kube/toxiproxy,
# or the reused cluster's folder), all through scripts/stack.sh, and stops them
# at the end. Its configurations, states and logs (Terraform's, the provider's
# at WARN) are kept under .run/faults/<scenario>/. The driver is
# internal/testinfra/cmd/mlops-faults (test infrastructure).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
start=$(date +%s)
work="$RUN_DIR/faults"
reuse=0
args=()
for a in "$@"; do
  if [ "$a" = --reuse ]; then reuse=1; else args+=("$a"); fi
done
if [ "$reuse" = 1 ]; then
  [ -n "${MLOPS_MLFLOW_DIR:-}" ] && [ -n "${MLOPS_KUBE_DIR:-}" ] || die "--reuse needs MLOPS_MLFLOW_DIR and MLOPS_KUBE_DIR of running servers"
else
  export MLOPS_MLFLOW_DIR="$RUN_DIR/faults-mlflow" MLOPS_KUBE_DIR="$RUN_DIR/faults-kube"
fi
stack() { "$ROOT/scripts/stack.sh" "$@"; }
cleanup() {
  # --reuse leaves the servers running; toxiproxy is the suite's own.
  if [ "$reuse" = 1 ]; then stack --servers toxiproxy stop >/dev/null 2>&1 || true; else stack stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
rm -rf "$work"; mkdir -p "$work/provider"

log "installing tools (cached under .tools/)"
terraform=$("$ROOT/scripts/install-terraform.sh")

log "building the provider and the driver (internal/testinfra/cmd/mlops-faults)"
go build -o "$work/provider/terraform-provider-mlops" .
go build -o "$work/mlops-faults" ./internal/testinfra/cmd/mlops-faults
cat >"$work/terraformrc" <<CFG
provider_installation {
  dev_overrides { "mlopsprovider/mlops" = "$work/provider" }
  direct {}
}
CFG
if [ "$reuse" = 1 ]; then
  # up returns at once for a server that runs already.
  log "using the running servers of $MLOPS_MLFLOW_DIR and $MLOPS_KUBE_DIR; starting toxiproxy (log: $work/stack.log)"
else
  log "starting MLflow, the cluster and toxiproxy (fresh state under .run/faults-*; log: $work/stack.log)"
  stack down >/dev/null 2>&1
fi
stack --servers mlflow,kube,toxiproxy up >"$work/stack.log" 2>&1 || { tail -n 30 "$work/stack.log" >&2; die "the servers did not start"; }
toxi_api=$(eval "$(stack env)"; echo "$MLOPS_TOXIPROXY_API")
log "servers up in $(( $(date +%s) - start ))s; running the scenarios"

set +e
"$work/mlops-faults" --root "$ROOT" --work "$work" --terraform "$terraform" --terraformrc "$work/terraformrc" \
  --toxiproxy-api "$toxi_api" --mlflow-dir "$MLOPS_MLFLOW_DIR" --kube-dir "$MLOPS_KUBE_DIR" ${args[@]+"${args[@]}"}
rc=$?
set -e
log "fault suite done in $(( $(date +%s) - start ))s (logs: $work/<scenario>/)"
exit $rc
