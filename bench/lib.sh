#!/usr/bin/env bash
# Shared helpers of the benches. Source it; do not run it.
#
# bench_up starts the bench's own stack through scripts/stack.sh (MLflow under
# .run/mlflow-bench, the local cluster under .run/kube-bench), fresh, unless
# BENCH_STACK_UP=1 says a calling bench has done so already; it builds the
# provider from this checkout and points Terraform at it with dev_overrides.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$ROOT"
export MLOPS_MLFLOW_DIR="$RUN_DIR/mlflow-bench" MLOPS_KUBE_DIR="$RUN_DIR/kube-bench"
export CHECKPOINT_DISABLE=1

bench_stop() { "$ROOT/scripts/stack.sh" stop >/dev/null 2>&1 || true; }

# bench_up WORKDIR
bench_up() {
  local settings
  work=$1
  mkdir -p "$work"
  terraform=$("$ROOT/scripts/install-terraform.sh")
  if [ "${BENCH_STACK_UP:-}" != 1 ]; then
    trap bench_stop EXIT
    "$ROOT/scripts/stack.sh" down >/dev/null 2>&1
    log "starting the bench's stack (log: $work/stack.log)"
    "$ROOT/scripts/stack.sh" --servers mlflow,kube up >>"$work/stack.log" 2>&1 || { tail -n 30 "$work/stack.log" >&2; die "the bench's stack did not start"; }
  fi
  settings=$("$ROOT/scripts/stack.sh" env)
  eval "$settings"
  go build -o "$work/provider/terraform-provider-mlops" .
  cat >"$work/terraformrc" <<CFG
provider_installation {
  dev_overrides { "mlopsprovider/mlops" = "$work/provider" }
  direct {}
}
CFG
  export TF_CLI_CONFIG_FILE="$work/terraformrc"
}

# kubeapi METHOD PATH [BODY] calls the local cluster's API server and prints
# the answer (JSON); a 409 on POST (exists already) is not an error.
kubeapi() {
  python3 - "$MLOPS_KUBE_DIR" "$@" <<'PY'
import json, ssl, sys, urllib.error, urllib.request
d, method, path = sys.argv[1:4]
body = sys.argv[4].encode() if len(sys.argv) > 4 else None
server = [l.split()[1] for l in open(d + "/kubeconfig") if "server:" in l][0]
ctx = ssl.create_default_context(cafile=d + "/ca.crt")
req = urllib.request.Request(server + path, method=method, data=body,
    headers={"Authorization": "Bearer " + open(d + "/token").read().strip(), "Content-Type": "application/json"})
try:
    print(urllib.request.urlopen(req, context=ctx).read().decode())
except urllib.error.HTTPError as e:
    if not (method == "POST" and e.code == 409):
        raise
PY
}

# bench_namespace NAME creates the namespace NAME (once).
bench_namespace() {
  kubeapi POST /api/v1/namespaces "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$1\"}}" >/dev/null
}

# kube_count NAMESPACE RESOURCE-PATH prints how many objects the list at
# /apis/RESOURCE-PATH (or /api/v1/... for core) has in the namespace, e.g.
# kube_count load serving.kserve.io/v1beta1/inferenceservices.
kube_count() {
  local ns=$1 res=$2 prefix=/apis
  case "$res" in v1/*) prefix=/api ;; esac
  python3 - "$MLOPS_KUBE_DIR" "$prefix/${res%/*}/namespaces/$ns/${res##*/}" <<'PY'
import json, ssl, sys, urllib.parse, urllib.request
d, path = sys.argv[1:3]
server = [l.split()[1] for l in open(d + "/kubeconfig") if "server:" in l][0]
ctx = ssl.create_default_context(cafile=d + "/ca.crt")
token = open(d + "/token").read().strip()
n, cont = 0, ""
while True:
    q = {"limit": "500"}
    if cont:
        q["continue"] = cont
    req = urllib.request.Request(server + path + "?" + urllib.parse.urlencode(q), headers={
        "Authorization": "Bearer " + token,
        # names only: the API server sends metadata, not whole objects
        "Accept": "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"})
    page = json.load(urllib.request.urlopen(req, context=ctx))
    n += len(page.get("items") or [])
    cont = page["metadata"].get("continue")
    if not cont:
        break
print(n)
PY
}

# mlflow_count PREFIX prints how many registered models' names start with PREFIX.
mlflow_count() {
  python3 - "$MLFLOW_TRACKING_URI" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
base, prefix = sys.argv[1:3]
n, token = 0, ""
while True:
    q = {"filter": f"name LIKE '{prefix}%'", "max_results": "1000"}
    if token:
        q["page_token"] = token
    page = json.load(urllib.request.urlopen(f"{base}/api/2.0/mlflow/registered-models/search?" + urllib.parse.urlencode(q)))
    n += len(page.get("registered_models") or [])
    token = page.get("next_page_token")
    if not token:
        break
print(n)
PY
}

secs() { python3 -c 'import time; print(f"{time.time():.3f}")'; }

# tf DIR ARGS... runs Terraform in DIR without prompts or colours.
tf() { "$terraform" -chdir="$1" "${@:2}" -input=false -no-color; }
