#!/usr/bin/env bash
# The local stack: a real MLflow server, a real Kubernetes API server
# (kube-apiserver + etcd) with the project's CRDs, and the stand-in
# controller with development serving on (a LOCAL DEVELOPMENT STAND-IN FOR
# KSERVE: models are served for real by MLflow's model server behind a
# weighted proxy). Installs whatever is missing.
#
#   scripts/stack.sh up     # start (or reuse) everything; writes the provider settings to .run/stack.env
#   scripts/stack.sh down   # stop everything and remove its state
#
# MLOPS_MLFLOW_DIR and MLOPS_KUBE_DIR move the servers' state (default
# .run/mlflow and .run/kube).
source "$(dirname "$0")/lib.sh"
export MLOPS_MLFLOW_DIR="${MLOPS_MLFLOW_DIR:-$RUN_DIR/mlflow}"
export MLOPS_KUBE_DIR="${MLOPS_KUBE_DIR:-$RUN_DIR/kube}"
stack_env="$MLOPS_KUBE_DIR/../$(basename "$MLOPS_KUBE_DIR")-stack.env"

case "${1:-}" in
  up)
    venv_bin=$("$ROOT/scripts/install-mlflow.sh")
    "$ROOT/scripts/mlflow-server.sh" start
    # shellcheck disable=SC1091
    source "$MLOPS_MLFLOW_DIR/env"
    mkdir -p "$MLOPS_KUBE_DIR"
    export MLOPS_STANDIN_ARGS="--serve-with $venv_bin --mlflow-tracking-uri $MLFLOW_TRACKING_URI --log-dir $MLOPS_KUBE_DIR"
    # A stand-in started before without development serving is restarted with it.
    if [ -f "$MLOPS_KUBE_DIR/standin.pid" ] && ! tr '\0' ' ' <"/proc/$(cat "$MLOPS_KUBE_DIR/standin.pid")/cmdline" 2>/dev/null | grep -q -- --serve-with; then
      "$ROOT/scripts/kube-server.sh" stop
    fi
    "$ROOT/scripts/kube-server.sh" start
    # shellcheck disable=SC1091
    source "$MLOPS_KUBE_DIR/env"
    cat >"$stack_env" <<ENV
export MLFLOW_TRACKING_URI=$MLFLOW_TRACKING_URI
export KUBE_CONFIG_PATH=$KUBECONFIG
export MLOPS_NAMESPACE=default
ENV
    log "stack up; provider settings in $stack_env"
    echo "$stack_env"
    ;;
  down)
    "$ROOT/scripts/kube-server.sh" clean
    "$ROOT/scripts/mlflow-server.sh" clean
    rm -f "$stack_env"
    ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
