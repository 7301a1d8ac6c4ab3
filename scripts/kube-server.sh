#!/usr/bin/env bash
# The local Kubernetes cluster: a real control plane with the real KServe and
# Argo controllers on kwok-simulated nodes, all on loopback, each a process
# of its own. Components, in start order:
#
#   etcd                     etcd 3.6 (tools/etcd)
#   apiserver                kube-apiserver v1.34.2 (tools/kubernetes)
#   controller-manager       kube-controller-manager: Deployments, ReplicaSets,
#                            ServiceAccounts, garbage collection
#   scheduler                kube-scheduler: binds pods to the node
#   kwok                     two simulated nodes (test/cluster/node.yaml): kwok-node-0,
#                            and kwok-gpu-0, a GPU pool behind a taint; pods become
#                            Running and Ready, workflow step pods succeed
#                            (test/cluster/kwok-stages.yaml)
#   kserve                   KServe's controller manager v0.20.0, Standard mode,
#                            with its webhooks registered by URL
#   argo                     Argo's workflow-controller v3.7.18
#   argo-server              Argo's server (`argo server`, --auth-mode=server, plain
#                            HTTP on loopback): turns events posted to
#                            /api/v1/events/<namespace>/<discriminator> into runs
#                            (WorkflowEventBinding)
#   knative-standin          THE PROJECT'S STAND-IN for Knative-mode status only
#                            (no Knative can run here); never touches Standard mode
#
# Upstream CRDs, KServe's ConfigMap and webhook manifests, and kwok's stages
# are read from the Go module cache (downloaded at install time); the
# project's own manifests are in test/cluster/.
#
#   scripts/kube-server.sh start   # install what is missing, start, wait until ready
#   scripts/kube-server.sh stop    # stop all (the next start is a fresh, empty cluster)
#   scripts/kube-server.sh clean   # stop and remove the state
#   scripts/kube-server.sh env     # prints `export KUBECONFIG=...` and `export MLOPS_ARGO_SERVER=http://...`
#   scripts/kube-server.sh pid NAME            # prints a running component's PID
#   scripts/kube-server.sh restart-apiserver [SECONDS]
#                                  # fault injection (scripts/faults.sh): kills kube-apiserver
#                                  # (SIGKILL, by PID), waits SECONDS (default 0), starts it again
#                                  # with the same flags and port, and waits until it is ready
#
# MLOPS_KUBE_DIR moves the state (the tests use .run/kube-test). Each
# component logs to NAME.log and records NAME.pid there; logs are kept after
# stop. 
#
# Fault switch for tests: annotate an InferenceService (or a workflow's pod
# metadata) with test.mlops.dev/pod-fault: crash | not-ready (see
# test/cluster/kwok-stages.yaml).
source "$(dirname "$0")/lib.sh"
dir="${MLOPS_KUBE_DIR:-$RUN_DIR/kube}"
envfile="$dir/env"
components=(etcd apiserver controller-manager scheduler kwok kserve argo argo-server knative-standin)

alive() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

# run NAME CMD... starts CMD in its own process group, logging to NAME.log,
# and records CMD in NAME.cmd (restart-apiserver starts it again from there).
run() {
  local name=$1
  shift
  printf '%q ' "$@" >"$dir/$name.cmd"
  setsid "$@" >"$dir/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid"
}

stop_one() {
  local name=$1 pid
  [ -f "$dir/$name.pid" ] || return 0
  pid=$(cat "$dir/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/$name.pid"
}

stop() {
  local i
  for ((i = ${#components[@]} - 1; i >= 0; i--)); do stop_one "${components[$i]}"; done
  log "Kubernetes cluster stopped"
}

# check NAME fails with the end of NAME's log when the process died.
check() {
  alive "$1" && return 0
  tail -n 40 "$dir/$1.log" >&2
  die "$1 died (log: $dir/$1.log)"
}

# wait_for NAME SECONDS CMD... retries CMD until it succeeds while NAME lives.
wait_for() {
  local name=$1 secs=$2 i
  shift 2
  for ((i = 0; i < secs * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    check "$name"
    sleep 0.2
  done
  tail -n 40 "$dir/$name.log" >&2
  die "$name not ready within ${secs}s (log: $dir/$name.log)"
}

api_ready() {
  curl -sf --cacert "$dir/ca.crt" -H "Authorization: Bearer $(cat "$dir/token")" "$1/readyz" | grep -qx ok
}

apply() { "$TOOLS_BIN/mlops-cluster" apply --kubeconfig "$dir/kubeconfig" "$@"; }

certs() {
  [ -f "$dir/ca.crt" ] && return 0
  log "making the cluster's CA, serving certificates and keys (openssl)"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=mlops-local-ca" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" >/dev/null 2>&1
  local name
  for name in server webhook; do
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
      -keyout "$dir/$name.key" -out "$dir/$name.csr" >/dev/null 2>&1
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 3650 \
      -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost') -out "$dir/$name.crt" >/dev/null 2>&1
  done
  openssl genrsa -out "$dir/sa.key" 2048 >/dev/null 2>&1
  openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" >/dev/null 2>&1
  python3 -c 'import secrets; print(secrets.token_hex(24))' >"$dir/token"
  echo "$(cat "$dir/token"),admin,admin,system:masters" >"$dir/tokens.csv"
}

start() {
  local all=1 c
  for c in "${components[@]}"; do alive "$c" || all=0; done
  if [ "$all" = 1 ] && [ -f "$envfile" ]; then
    log "Kubernetes cluster already running ($(cat "$envfile"))"
    return 0
  fi
  stop >/dev/null 2>&1 || true
  "$ROOT/scripts/install-kube.sh"
  command -v curl >/dev/null 2>&1 || { apt-get update -qq >&2; apt-get install -y -qq curl >&2; }
  local kserve_dir argo_dir kwok_dir keda_dir
  kserve_dir=$(module_dir "github.com/kserve/kserve@$KSERVE_VERSION")
  argo_dir=$(module_dir "github.com/argoproj/argo-workflows/v3@$ARGO_VERSION")
  kwok_dir=$(module_dir "sigs.k8s.io/kwok@$KWOK_VERSION")
  keda_dir=$(module_dir "github.com/kedacore/keda/v2@$KEDA_VERSION")
  # Each start is a fresh cluster: etcd's data does not outlive a stop.
  mkdir -p "$dir"
  rm -rf "$dir/etcd-data" "$dir/kserve-tmp"
  certs

  local etcd_port peer_port api_port cm_port sched_port
  etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)
  log "starting etcd on 127.0.0.1:$etcd_port"
  run etcd "$TOOLS_BIN/etcd" --name mlops --data-dir "$dir/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "mlops=http://127.0.0.1:$peer_port" --quota-backend-bytes 4294967296 \
    --watch-progress-notify-interval 5s --unsafe-no-fsync
  log "starting kube-apiserver on 127.0.0.1:$api_port"
  # Services get addresses from a /16: KServe makes a ClusterIP Service per
  # endpoint, and the load bench (bench/load.sh) makes 1000 (a /24 has 254).
  run apiserver "$TOOLS_BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$dir/server.crt" --tls-private-key-file "$dir/server.key" --client-ca-file "$dir/ca.crt" \
    --service-cluster-ip-range 10.0.0.0/16 --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$dir/sa.pub" --service-account-signing-key-file "$dir/sa.key" \
    --token-auth-file "$dir/tokens.csv" --authorization-mode AlwaysAllow \
    --enable-admission-plugins ServiceAccount,NamespaceLifecycle --enable-priority-and-fairness=false
  local url="https://127.0.0.1:$api_port"
  wait_for apiserver 120 api_ready "$url"
  cat >"$dir/kubeconfig" <<CFG
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: $url
    certificate-authority-data: $(base64 -w0 <"$dir/ca.crt")
users:
- name: admin
  user:
    token: $(cat "$dir/token")
contexts:
- name: local
  context: {cluster: local, user: admin}
current-context: local
CFG
  local kc="$dir/kubeconfig"

  cm_port=$(free_port); sched_port=$(free_port)
  log "starting kube-controller-manager and kube-scheduler"
  run controller-manager "$TOOLS_BIN/kube-controller-manager" --kubeconfig "$kc" \
    --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
    --service-account-private-key-file "$dir/sa.key" --root-ca-file "$dir/ca.crt" \
    --controllers='*' --use-service-account-credentials=false --leader-elect=false \
    --bind-address 127.0.0.1 --secure-port "$cm_port"
  run scheduler "$TOOLS_BIN/kube-scheduler" --kubeconfig "$kc" \
    --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
    --leader-elect=false --bind-address 127.0.0.1 --secure-port "$sched_port"

  log "starting kwok (two simulated nodes)"
  local stages=$dir/kwok-stages.yaml s
  : >"$stages"
  for s in node/fast/node-initialize node/heartbeat/node-heartbeat pod/fast/pod-ready pod/fast/pod-delete; do
    { echo "---"; cat "$kwok_dir/kustomize/stage/$s.yaml"; } >>"$stages"
  done
  { echo "---"; cat "$ROOT/test/cluster/kwok-stages.yaml"; } >>"$stages"
  run kwok "$TOOLS_BIN/kwok" --kubeconfig "$kc" --config "$stages" --manage-all-nodes=true \
    --cidr 10.244.0.0/16 --node-ip 127.0.0.1 --node-lease-duration-seconds 40
  apply --status "$ROOT/test/cluster/node.yaml"

  log "installing KServe's, Argo's and KEDA's CRDs (from their modules)"
  # KEDA itself does not run here: KServe makes its ScaledObjects, which the
  # tests read (scaling.class = "keda").
  apply "$kserve_dir"/config/crd/full/serving.kserve.io_{inferenceservices,trainedmodels,clusterservingruntimes,servingruntimes,inferencegraphs}.yaml \
    "$kserve_dir/config/crd/full/clusterstoragecontainer/serving.kserve.io_clusterstoragecontainers.yaml" \
    "$argo_dir/manifests/base/crds/full" "$keda_dir/config/crd/bases/keda.sh_scaledobjects.yaml"

  local hook_port metrics_port probe_port
  hook_port=$(free_port); metrics_port=$(free_port); probe_port=$(free_port)
  # The ConfigMap and namespace first (the manager reads them at start), the
  # webhooks once the manager serves them.
  local kserve_args=(--kserve-dir "$kserve_dir" --webhook-url "https://127.0.0.1:$hook_port" --ca "$dir/ca.crt")
  "$TOOLS_BIN/mlops-cluster" kserve-manifests "${kserve_args[@]}" >"$dir/kserve-config.yaml"
  "$TOOLS_BIN/mlops-cluster" kserve-manifests "${kserve_args[@]}" --webhooks >"$dir/kserve-webhooks.yaml"
  apply "$dir/kserve-config.yaml"
  log "starting KServe's controller manager (webhooks on 127.0.0.1:$hook_port)"
  mkdir -p "$dir/kserve-tmp/k8s-webhook-server/serving-certs"
  cp "$dir/webhook.crt" "$dir/kserve-tmp/k8s-webhook-server/serving-certs/tls.crt"
  cp "$dir/webhook.key" "$dir/kserve-tmp/k8s-webhook-server/serving-certs/tls.key"
  KUBECONFIG="$kc" POD_NAMESPACE=kserve TMPDIR="$dir/kserve-tmp" run kserve "$TOOLS_BIN/kserve-manager" \
    --metrics-addr "127.0.0.1:$metrics_port" --health-probe-addr "127.0.0.1:$probe_port" \
    --webhook-port "$hook_port" --leader-elect=false
  wait_for kserve 120 curl -sf "http://127.0.0.1:$probe_port/readyz"
  apply "$dir/kserve-webhooks.yaml" "$ROOT/test/cluster/kserve-runtimes.yaml"

  log "starting Argo's workflow-controller"
  apply "$ROOT/test/cluster/argo.yaml"
  KUBECONFIG="$kc" LEADER_ELECTION_DISABLE=true DEFAULT_REQUEUE_TIME=1s run argo "$TOOLS_BIN/workflow-controller" \
    --namespace argo --configmap workflow-controller-configmap --loglevel info

  local argo_port
  argo_port=$(free_port)
  log "starting Argo's server on 127.0.0.1:$argo_port"
  KUBECONFIG="$kc" run argo-server "$TOOLS_BIN/argo" server --namespace argo --auth-mode=server --secure=false \
    --port "$argo_port" --configmap workflow-controller-configmap --loglevel info
  wait_for argo-server 60 curl -sf "http://127.0.0.1:$argo_port/api/v1/version"
  echo "http://127.0.0.1:$argo_port" >"$dir/argo-server-url"

  log "starting the Knative-mode stand-in (test infrastructure; log: $dir/knative-standin.log)"
  run knative-standin "$TOOLS_BIN/mlops-standin" knative --kubeconfig "$kc"

  for c in "${components[@]}"; do check "$c"; done
  printf 'export KUBECONFIG=%s\nexport MLOPS_ARGO_SERVER=%s\n' "$kc" "$(cat "$dir/argo-server-url")" >"$envfile"
  log "Kubernetes cluster is up at $url (KUBECONFIG=$kc)"
}

# restart_apiserver SECONDS: see the usage above. The old log is kept as
# apiserver.log.N.
restart_apiserver() {
  local down=${1:-0} pid url n=1
  [ -f "$dir/apiserver.cmd" ] && [ -f "$dir/kubeconfig" ] || die "no cluster in $dir (start it first)"
  if alive apiserver; then
    pid=$(cat "$dir/apiserver.pid")
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  fi
  sleep "$down"
  while [ -e "$dir/apiserver.log.$n" ]; do n=$((n + 1)); done
  mv "$dir/apiserver.log" "$dir/apiserver.log.$n" 2>/dev/null || true
  eval "run apiserver $(cat "$dir/apiserver.cmd")"
  url=$(sed -n 's/^ *server: //p' "$dir/kubeconfig")
  wait_for apiserver 120 api_ready "$url"
  log "kube-apiserver restarted at $url"
}

case "${1:-}" in
  start) start ;;
  pid) alive "${2:-}" && cat "$dir/$2.pid" ;;
  restart-apiserver) restart_apiserver "${2:-0}" ;;
  stop) stop ;;
  clean) stop; rm -rf "$dir" ;;
  env) [ -f "$envfile" ] && cat "$envfile" ;;
  *) echo "usage: $0 start|stop|clean|env|pid NAME|restart-apiserver [SECONDS]" >&2; exit 2 ;;
esac
