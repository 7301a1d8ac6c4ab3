#!/usr/bin/env bash
# Starts or stops the DEVELOPMENT DATA PLANE, a local stand-in for what
# KServe's pods would serve (kwok runs no containers): `mlops-standin serve`
# follows the Standard-mode InferenceServices of the local cluster and serves
# their models for real with MLflow's model server, behind one gateway on
# loopback that routes by the Host of each endpoint's URL (KServe's
# status.url). It never writes to the cluster.
#
#   scripts/dev-serving.sh start   # needs the cluster (kube-server.sh) and MLflow up
#   scripts/dev-serving.sh stop
#   scripts/dev-serving.sh clean
#   scripts/dev-serving.sh env     # prints `export MLOPS_DEV_GATEWAY=127.0.0.1:PORT`
#
# State under MLOPS_KUBE_DIR/dev-serving: dev-serving.log, dev-serving.pid,
# the model servers' logs, and the gateway's address.
source "$(dirname "$0")/lib.sh"
kube_dir="${MLOPS_KUBE_DIR:-$RUN_DIR/kube}"
dir="$kube_dir/dev-serving"
pidfile="$dir/dev-serving.pid"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
  if running && [ -s "$dir/gateway" ]; then
    log "development serving already running (gateway $(cat "$dir/gateway"))"
    return 0
  fi
  stop >/dev/null 2>&1 || true
  [ -f "$kube_dir/kubeconfig" ] || die "the cluster is not up: run scripts/kube-server.sh start first"
  [ -n "${MLFLOW_TRACKING_URI:-}" ] || die "MLFLOW_TRACKING_URI is not set: start MLflow first (scripts/mlflow-server.sh)"
  local venv_bin
  venv_bin=$("$ROOT/scripts/install-mlflow.sh")
  mkdir -p "$dir"
  rm -f "$dir/gateway"
  setsid "$TOOLS_BIN/mlops-standin" serve --kubeconfig "$kube_dir/kubeconfig" --serve-with "$venv_bin" \
    --mlflow-tracking-uri "$MLFLOW_TRACKING_URI" --log-dir "$dir" --address-file "$dir/gateway" \
    >"$dir/dev-serving.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  local i
  for ((i = 0; i < 100; i++)); do
    [ -s "$dir/gateway" ] && break
    running || { tail -n 20 "$dir/dev-serving.log" >&2; die "development serving died"; }
    sleep 0.1
  done
  [ -s "$dir/gateway" ] || die "development serving did not start (log: $dir/dev-serving.log)"
  log "development serving (stand-in data plane) on $(cat "$dir/gateway")"
}

stop() {
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  clean) stop; rm -rf "$dir" ;;
  env) [ -s "$dir/gateway" ] && echo "export MLOPS_DEV_GATEWAY=$(cat "$dir/gateway")" ;;
  *) echo "usage: $0 start|stop|clean|env" >&2; exit 2 ;;
esac
