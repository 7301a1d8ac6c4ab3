#!/usr/bin/env bash
# Starts or stops a real Kubernetes API server (kube-apiserver with etcd, no
# nodes: the envtest arrangement) on free loopback ports, installs the
# project's CRDs (test/crds) and starts the stand-in controller that writes
# KServe and Argo status (test and development infrastructure).
#
#   scripts/kube-server.sh start   # install what is missing, start, wait until ready
#   scripts/kube-server.sh stop    # stop all three (the next start is a fresh, empty cluster)
#   scripts/kube-server.sh clean   # stop and remove the state
#   scripts/kube-server.sh env     # prints `export KUBECONFIG=...`
#
# MLOPS_KUBE_DIR moves the state (the tests use .run/kube-test). Logs:
# etcd.log, apiserver.log, standin.log in that folder, kept after stop.
# MLOPS_STANDIN_ARGS passes extra flags to the stand-in controller.
source "$(dirname "$0")/lib.sh"
dir="${MLOPS_KUBE_DIR:-$RUN_DIR/kube}"
envfile="$dir/env"

alive() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

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
  stop_one standin
  stop_one apiserver
  stop_one etcd
  log "Kubernetes API stopped"
}

ready() {
  python3 - "$1" "$2" <<'PY'
import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[2])
req = urllib.request.Request(sys.argv[1] + "/readyz", headers={"Authorization": "Bearer " + open(sys.argv[2].replace("server.crt", "token")).read().strip()})
sys.exit(0 if urllib.request.urlopen(req, timeout=2, context=ctx).read() == b"ok" else 1)
PY
}

start() {
  if alive etcd && alive apiserver && alive standin && [ -f "$envfile" ]; then
    log "Kubernetes API already running ($(cat "$envfile"))"
    return 0
  fi
  stop >/dev/null 2>&1 || true
  "$ROOT/scripts/install-kube.sh"
  # Each start is a fresh cluster: etcd's data does not outlive a stop.
  rm -rf "$dir/etcd-data"
  mkdir -p "$dir/etcd-data"
  if [ ! -f "$dir/server.crt" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$dir/server.key" -out "$dir/server.crt" >/dev/null 2>&1
    openssl genrsa -out "$dir/sa.key" 2048 >/dev/null 2>&1
    openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" >/dev/null 2>&1
    python3 -c 'import secrets; print(secrets.token_hex(24))' >"$dir/token"
    echo "$(cat "$dir/token"),admin,admin,system:masters" >"$dir/tokens.csv"
  fi
  local etcd_port peer_port api_port
  etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)
  log "starting etcd on 127.0.0.1:$etcd_port"
  setsid etcd --name mlops --data-dir "$dir/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "mlops=http://127.0.0.1:$peer_port" --quota-backend-bytes 4294967296 \
    >"$dir/etcd.log" 2>&1 </dev/null &
  echo $! >"$dir/etcd.pid"
  log "starting kube-apiserver on 127.0.0.1:$api_port"
  setsid "$TOOLS_BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$dir/server.crt" --tls-private-key-file "$dir/server.key" \
    --service-cluster-ip-range 10.0.0.0/24 --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$dir/sa.pub" --service-account-signing-key-file "$dir/sa.key" \
    --token-auth-file "$dir/tokens.csv" --authorization-mode AlwaysAllow \
    --disable-admission-plugins ServiceAccount --enable-priority-and-fairness=false \
    >"$dir/apiserver.log" 2>&1 </dev/null &
  echo $! >"$dir/apiserver.pid"
  local url="https://127.0.0.1:$api_port" i
  for ((i = 0; i < 600; i++)); do
    ready "$url" "$dir/server.crt" 2>/dev/null && break
    if ! alive apiserver || ! alive etcd; then tail -n 30 "$dir/etcd.log" "$dir/apiserver.log" >&2; die "the Kubernetes API server died"; fi
    sleep 0.2
  done
  ready "$url" "$dir/server.crt" || { tail -n 30 "$dir/apiserver.log" >&2; stop; die "kube-apiserver not ready within 120s"; }
  cat >"$dir/kubeconfig" <<CFG
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: $url
    certificate-authority-data: $(base64 -w0 <"$dir/server.crt")
users:
- name: admin
  user:
    token: $(cat "$dir/token")
contexts:
- name: local
  context: {cluster: local, user: admin}
current-context: local
CFG
  echo "export KUBECONFIG=$dir/kubeconfig" >"$envfile"
  log "installing the CRDs"
  "$TOOLS_BIN/mlops-standin" install-crds --kubeconfig "$dir/kubeconfig" "$ROOT"/test/crds/*.yaml
  log "starting the stand-in controller (test infrastructure; log: $dir/standin.log)"
  # shellcheck disable=SC2086
  setsid "$TOOLS_BIN/mlops-standin" run --kubeconfig "$dir/kubeconfig" ${MLOPS_STANDIN_ARGS:-} \
    >"$dir/standin.log" 2>&1 </dev/null &
  echo $! >"$dir/standin.pid"
  log "Kubernetes API is up at $url (KUBECONFIG=$dir/kubeconfig)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  clean) stop; rm -rf "$dir" ;;
  env) [ -f "$envfile" ] && cat "$envfile" ;;
  *) echo "usage: $0 start|stop|clean|env" >&2; exit 2 ;;
esac
