#!/usr/bin/env bash
# The local stack: a real MLflow server (scripts/mlflow-server.sh), the
# local Kubernetes cluster with the real KServe and Argo controllers on
# kwok-simulated nodes (scripts/kube-server.sh), and the development data
# plane (scripts/dev-serving.sh: A LOCAL DEVELOPMENT STAND-IN FOR WHAT
# KSERVE'S PODS WOULD SERVE, models served for real by MLflow's model server
# behind a gateway); for the fault suite, toxiproxy too. Installs whatever is
# missing. The quickstart, the test command, the fault suite and the benches
# start and stop their servers through it.
#
#   scripts/stack.sh up     # start (or reuse) the servers; prints the settings file last
#   scripts/stack.sh stop   # stop them (their state and logs stay)
#   scripts/stack.sh down   # stop them and remove their state
#   scripts/stack.sh env    # prints the servers' exports: MLFLOW_TRACKING_URI, KUBECONFIG,
#                           # MLOPS_ARGO_SERVER, then MLOPS_DEV_GATEWAY and
#                           # MLOPS_TOXIPROXY_API when those have run
#
# Options:
#   --name NAME      state under .run/mlflow-NAME and .run/kube-NAME (the test
#                    command's stacks are test and tofu)
#   --servers LIST   which servers, comma-separated, of mlflow, kube, serving
#                    (the data plane; needs the other two) and toxiproxy
#                    (started fresh by each up, with no proxies: the fault
#                    suite puts its own in front of MLflow and kube-apiserver).
#                    Default: mlflow,kube,serving for up, all four otherwise.
#   --mlflow-auth    up: MLflow runs its authentication app (MLOPS_MLFLOW_AUTH=1,
#                    see scripts/mlflow-server.sh); its admin's credentials are
#                    in the env and the settings file
#
# MLflow, the cluster and toxiproxy start side by side, the data plane after
# them. Without --name, MLOPS_MLFLOW_DIR and MLOPS_KUBE_DIR move the servers'
# state (default .run/mlflow and .run/kube); toxiproxy's is in
# MLOPS_KUBE_DIR/toxiproxy. The settings file, <cluster folder>-stack.env
# beside the cluster's folder, holds MLFLOW_TRACKING_URI, KUBE_CONFIG_PATH and
# MLOPS_NAMESPACE (the provider's settings), MLOPS_ARGO_SERVER (Argo's server,
# which takes registry events) and MLOPS_DEV_GATEWAY (the development
# gateway's host:port, when it runs).
source "$(dirname "$0")/lib.sh"
usage() { echo "usage: $0 [--name NAME] [--servers mlflow,kube,serving,toxiproxy] [--mlflow-auth] up|stop|down|env" >&2; exit 2; }
cmd="" servers=""
while [ $# -gt 0 ]; do
  case "$1" in
    --name) [ -n "${2:-}" ] || usage; export MLOPS_MLFLOW_DIR="$RUN_DIR/mlflow-$2" MLOPS_KUBE_DIR="$RUN_DIR/kube-$2"; shift 2 ;;
    --servers) [ -n "${2:-}" ] || usage; servers=$2; shift 2 ;;
    --mlflow-auth) export MLOPS_MLFLOW_AUTH=1; shift ;;
    up | stop | down | env) [ -z "$cmd" ] || usage; cmd=$1; shift ;;
    *) usage ;;
  esac
done
[ -n "$cmd" ] || usage
if [ -z "$servers" ]; then
  if [ "$cmd" = up ]; then servers=mlflow,kube,serving; else servers=mlflow,kube,serving,toxiproxy; fi
fi
IFS=, read -r -a list <<<"$servers"
for s in "${list[@]}"; do
  case "$s" in mlflow | kube | serving | toxiproxy) ;; *) die "unknown server $s (mlflow, kube, serving, toxiproxy)" ;; esac
done
has() { [[ ",$servers," == *",$1,"* ]]; }
if [ "$cmd" = up ] && has serving && ! { has mlflow && has kube; }; then die "serving needs mlflow and kube"; fi
export MLOPS_MLFLOW_DIR="${MLOPS_MLFLOW_DIR:-$RUN_DIR/mlflow}"
export MLOPS_KUBE_DIR="${MLOPS_KUBE_DIR:-$RUN_DIR/kube}"
stack_env="$MLOPS_KUBE_DIR/../$(basename "$MLOPS_KUBE_DIR")-stack.env"
toxi_dir="$MLOPS_KUBE_DIR/toxiproxy"

# toxi start|stop|clean|env runs toxiproxy as the servers' own scripts run
# theirs (its own process group, a PID file, a log kept after stop), except
# that a start is always fresh.
toxi() {
  local pid port bin
  case "$1" in
    start)
      toxi stop
      bin=$("$ROOT/scripts/install-toxiproxy.sh")
      mkdir -p "$toxi_dir"
      port=$(free_port)
      setsid "$bin" -host 127.0.0.1 -port "$port" >"$toxi_dir/toxiproxy.log" 2>&1 </dev/null &
      echo $! >"$toxi_dir/toxiproxy.pid"
      if ! wait_http "http://127.0.0.1:$port/version" 30; then
        toxi stop
        die "toxiproxy did not start (log: $toxi_dir/toxiproxy.log)"
      fi
      echo "export MLOPS_TOXIPROXY_API=http://127.0.0.1:$port" >"$toxi_dir/env"
      log "toxiproxy's API on 127.0.0.1:$port (log: $toxi_dir/toxiproxy.log)"
      ;;
    stop)
      rm -f "$toxi_dir/env"
      [ -f "$toxi_dir/toxiproxy.pid" ] || return 0
      pid=$(cat "$toxi_dir/toxiproxy.pid")
      if kill -0 "$pid" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null || true
      fi
      rm -f "$toxi_dir/toxiproxy.pid"
      ;;
    clean) toxi stop; rm -rf "$toxi_dir" ;;
    env) [ -f "$toxi_dir/env" ] && cat "$toxi_dir/env" ;;
  esac
}

# server NAME start|stop|clean|env runs the server's own script.
server() {
  case "$1" in
    mlflow) "$ROOT/scripts/mlflow-server.sh" "$2" ;;
    kube) "$ROOT/scripts/kube-server.sh" "$2" ;;
    serving) "$ROOT/scripts/dev-serving.sh" "$2" ;;
    toxiproxy) toxi "$2" ;;
  esac
}

up() {
  local s i pids=() names=() failed=()
  if has mlflow || has serving; then "$ROOT/scripts/install-mlflow.sh" >/dev/null; fi
  for s in mlflow kube toxiproxy; do
    has "$s" || continue
    server "$s" start &
    pids+=($!) names+=("$s")
  done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed+=("${names[$i]}"); done
  [ ${#failed[@]} -eq 0 ] || die "did not start: ${failed[*]} (their output is above)"
  if ! { has mlflow && has kube; }; then return 0; fi
  # shellcheck disable=SC1091
  source "$MLOPS_MLFLOW_DIR/env"
  # shellcheck disable=SC1091
  source "$MLOPS_KUBE_DIR/env"
  if has serving; then server serving start; fi
  cat >"$stack_env" <<ENV
export MLFLOW_TRACKING_URI=$MLFLOW_TRACKING_URI
${MLFLOW_TRACKING_USERNAME:+export MLFLOW_TRACKING_USERNAME=$MLFLOW_TRACKING_USERNAME MLFLOW_TRACKING_PASSWORD=$MLFLOW_TRACKING_PASSWORD}
export KUBE_CONFIG_PATH=$KUBECONFIG
export MLOPS_NAMESPACE=default
export MLOPS_ARGO_SERVER=$MLOPS_ARGO_SERVER
$(server serving env)
ENV
  log "stack up; provider settings in $stack_env"
  echo "$stack_env"
}

case "$cmd" in
  up) up ;;
  stop | down)
    action=stop
    [ "$cmd" = stop ] || action=clean
    # Before the cluster's folder goes: the file's path runs through it.
    if [ "$cmd" = down ] && { has mlflow || has kube; }; then rm -f "$stack_env"; fi
    for s in serving toxiproxy kube mlflow; do
      if has "$s"; then server "$s" "$action"; fi
    done
    ;;
  env)
    server mlflow env
    server kube env
    server serving env || true
    server toxiproxy env || true
    ;;
esac
