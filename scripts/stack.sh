#!/usr/bin/env bash
# The local stack: a real MLflow server (scripts/mlflow-server.sh), the
# local Kubernetes cluster with the real KServe and Argo controllers on
# kwok-simulated nodes (scripts/kube-server.sh), and the development data
# plane (scripts/dev-serving.sh: A LOCAL DEVELOPMENT STAND-IN FOR WHAT
# KSERVE'S PODS WOULD SERVE, models served for real by MLflow's model server
# behind a gateway). Installs whatever is missing.
#
#   scripts/stack.sh up     # start (or reuse) everything; prints the settings file last
#   scripts/stack.sh down   # stop everything and remove its state
#
# MLOPS_MLFLOW_DIR and MLOPS_KUBE_DIR move the servers' state (default
# .run/mlflow and .run/kube). The settings file holds MLFLOW_TRACKING_URI,
# KUBE_CONFIG_PATH and MLOPS_NAMESPACE (the provider's settings),
# MLOPS_ARGO_SERVER (Argo's server, which takes registry events) and
# MLOPS_DEV_GATEWAY (the development gateway's host:port).
source "$(dirname "$0")/lib.sh"
export MLOPS_MLFLOW_DIR="${MLOPS_MLFLOW_DIR:-$RUN_DIR/mlflow}"
export MLOPS_KUBE_DIR="${MLOPS_KUBE_DIR:-$RUN_DIR/kube}"
stack_env="$MLOPS_KUBE_DIR/../$(basename "$MLOPS_KUBE_DIR")-stack.env"

case "${1:-}" in
  up)
    "$ROOT/scripts/install-mlflow.sh" >/dev/null
    "$ROOT/scripts/mlflow-server.sh" start
    # shellcheck disable=SC1091
    source "$MLOPS_MLFLOW_DIR/env"
    "$ROOT/scripts/kube-server.sh" start
    "$ROOT/scripts/dev-serving.sh" start
    # shellcheck disable=SC1091
    source "$MLOPS_KUBE_DIR/env"
    cat >"$stack_env" <<ENV
export MLFLOW_TRACKING_URI=$MLFLOW_TRACKING_URI
export KUBE_CONFIG_PATH=$KUBECONFIG
export MLOPS_NAMESPACE=default
export MLOPS_ARGO_SERVER=$MLOPS_ARGO_SERVER
$("$ROOT/scripts/dev-serving.sh" env)
ENV
    log "stack up; provider settings in $stack_env"
    echo "$stack_env"
    ;;
  down)
    "$ROOT/scripts/dev-serving.sh" clean
    "$ROOT/scripts/kube-server.sh" clean
    "$ROOT/scripts/mlflow-server.sh" clean
    rm -f "$stack_env"
    ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
