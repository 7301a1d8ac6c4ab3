#!/usr/bin/env bash
# Shared helpers of the benches. Source it; do not run it.
#
# bench_up starts the bench's own stack through scripts/stack.sh (MLflow under
# .run/mlflow-bench, the local cluster under .run/kube-bench), fresh, unless
# BENCH_STACK_UP=1 says a calling bench has done so already; it builds the
# provider from this checkout and points Terraform at it with dev_overrides.
# BENCH_TOOL=tofu runs the benches with OpenTofu instead of Terraform,
# BENCH_TOOL=/path/to/terraform with that build.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$ROOT"
export MLOPS_MLFLOW_DIR="$RUN_DIR/mlflow-bench" MLOPS_KUBE_DIR="$RUN_DIR/kube-bench"
export CHECKPOINT_DISABLE=1

bench_stop() { "$ROOT/scripts/stack.sh" stop >/dev/null 2>&1 || true; }

# bench_cli sets $terraform to the CLI the benches run (BENCH_TOOL:
# terraform or tofu, installed if need be, or the path of another build of
# either, such as a newer Terraform built from its source).
bench_cli() {
  case "${BENCH_TOOL:-terraform}" in
    terraform) terraform=$("$ROOT/scripts/install-terraform.sh") ;;
    tofu) terraform=$("$ROOT/scripts/install-opentofu.sh") ;;
    /*) [ -x "$BENCH_TOOL" ] || die "BENCH_TOOL: $BENCH_TOOL is not an executable"; terraform=$BENCH_TOOL ;;
    *) die "BENCH_TOOL: terraform, tofu or an absolute path, not $BENCH_TOOL" ;;
  esac
}

# bench_up WORKDIR
bench_up() {
  local settings
  work=$1
  mkdir -p "$work"
  bench_cli
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

# bench_measured points Terraform at bench/measure instead of the provider
# (after bench_up): Terraform starts it where it looks for the provider, and
# it runs the provider built by bench_up as its child and records the
# provider's peak RSS and CPU for bench/phase.py.
# The do-nothing provider of bench/floorprov (mlopsprovider/floor) is measured
# the same way: phase.py --provider-bin "$floor_provider".
bench_measured() {
  go build -o "$work/measured/terraform-provider-mlops" ./bench/measure
  cp "$work/measured/terraform-provider-mlops" "$work/measured/terraform-provider-floor"
  floor_provider="$work/provider/terraform-provider-floor"
  go build -o "$floor_provider" ./bench/floorprov
  export BENCH_PROVIDER_BIN="$work/provider/terraform-provider-mlops"
  cat >"$work/terraformrc" <<CFG
provider_installation {
  dev_overrides {
    "mlopsprovider/mlops" = "$work/measured"
    "mlopsprovider/floor" = "$work/measured"
  }
  direct {}
}
CFG
}

# The cluster's controllers: everything but etcd and the API server.
bench_controllers=(kserve controller-manager scheduler kwok argo argo-server knative-standin)

# bench_pause_controllers stops (SIGSTOP) the cluster's controllers, so that
# only Terraform, the provider and the API server run during a measurement;
# bench_resume_controllers continues them (KServe's webhooks are served by
# its controller manager: resume before creating or changing endpoints).
bench_pause_controllers() {
  local c pid
  for c in "${bench_controllers[@]}"; do
    if pid=$("$ROOT/scripts/kube-server.sh" pid "$c"); then kill -STOP "$pid"; fi
  done
}
bench_resume_controllers() {
  local c pid
  for c in "${bench_controllers[@]}"; do
    if pid=$("$ROOT/scripts/kube-server.sh" pid "$c"); then kill -CONT "$pid" 2>/dev/null || true; fi
  done
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

# triples_config DIR SHAPE TRIPLES PREFIX KIND writes, in DIR, TRIPLES
# "registry triples" named PREFIX-0, PREFIX-1, ...: KIND mlops writes an
# mlops_registered_model, an mlops_model_version of it and an
# mlops_model_alias naming both; KIND schema writes the same with
# bench/floorprov's floor_registered_model, floor_model_version and
# floor_model_alias (their schemas, no code behind them); KIND floor writes
# three terraform_data with the same references (the version's input names
# the model's output, the alias's both); KIND plugin writes three of
# bench/floorprov's floor_min with the same references. SHAPE is how the configuration writes them:
#   count     count = TRIPLES, references indexed by [count.index]
#   for_each  for_each = the set of names, references indexed by [each.key]
#   chained   the version's for_each is the model resource itself, the
#             alias's the version resource (each.value, no index)
#   module    one module call, for_each = the names; the module holds one of
#             each, referencing each other without an index
triples_config() {
  python3 - "$@" <<'PY'
import os, sys
d, shape, t, prefix, kind = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
os.makedirs(d, exist_ok=True)
if kind in ("mlops", "schema"):
    p = kind if kind == "mlops" else "floor"
    types = tuple(f"{p}_{t}" for t in ("registered_model", "model_version", "model_alias"))
    body = {
        "model": lambda name: f"name = {name}",
        "version": lambda m, key: f"model_name = {m}.name\n  source     = \"s3://models/${{{key}}}\"",
        "alias": lambda m, v: f"model_name = {m}.name\n  alias      = \"champion\"\n  version    = {v}.version",
    }
    head = f'terraform {{\n  required_providers {{\n    {p} = {{ source = "mlopsprovider/{p}" }}\n  }}\n}}\n'
elif kind == "plugin":
    # bench/floorprov's floor_min: a plugin provider's resource with one
    # attribute, referring to the others as ours do.
    types = ("floor_min",) * 3
    body = {
        "model": lambda name: f"input = {name}",
        "version": lambda m, key: f"input = \"${{{m}.id}}/s3://models/${{{key}}}\"",
        "alias": lambda m, v: f"input = \"${{{m}.id}}/${{{v}.id}}\"",
    }
    head = 'terraform {\n  required_providers {\n    floor = { source = "mlopsprovider/floor" }\n  }\n}\n'
else:
    types = ("terraform_data",) * 3
    body = {
        "model": lambda name: f"input = {name}",
        "version": lambda m, key: f"input = {{ model = {m}.output, source = \"s3://models/${{{key}}}\" }}",
        "alias": lambda m, v: f"input = {{ model = {m}.output, version = {v}.output }}",
    }
    head = ""
M, V, A = types
names = f'toset([for i in range({t}) : "{prefix}-${{i}}"])'

def res(typ, label, meta, text):
    return f'resource "{typ}" "{label}" {{\n{meta}  {text}\n}}\n'

if shape == "count":
    meta = f"  count = {t}\n"
    m, v = f"{M}.model[count.index]", f"{V}.version[count.index]"
    tf = head + res(M, "model", meta, body["model"](f'"{prefix}-${{count.index}}"')) \
        + res(V, "version", meta, body["version"](m, "count.index")) \
        + res(A, "alias", meta, body["alias"](m, v))
elif shape == "for_each":
    meta = "  for_each = local.names\n"
    m, v = f"{M}.model[each.key]", f"{V}.version[each.key]"
    tf = head + f"locals {{\n  names = {names}\n}}\n" + res(M, "model", meta, body["model"]("each.key")) \
        + res(V, "version", meta, body["version"](m, "each.key")) \
        + res(A, "alias", meta, body["alias"](m, v))
elif shape == "chained":
    # The alias reaches the model through the version: the version carries
    # the model's name (model_name; the floor's input.model).
    alias = (f"model_name = each.value.model_name\n  alias      = \"champion\"\n  version    = each.value.version"
             if kind in ("mlops", "schema") else "input = \"${each.value.input}/${each.value.id}\"" if kind == "plugin"
             else "input = { model = each.value.output.model, version = each.value.output }")
    tf = head + f"locals {{\n  names = {names}\n}}\n" + res(M, "model", "  for_each = local.names\n", body["model"]("each.key")) \
        + res(V, "version", f"  for_each = {M}.model\n", body["version"]("each.value", "each.key")) \
        + res(A, "alias", f"  for_each = {V}.version\n", alias)
elif shape == "module":
    tf = head + f'module "triple" {{\n  source   = "./triple"\n  for_each = {names}\n  name     = each.key\n}}\n'
    os.makedirs(d + "/triple", exist_ok=True)
    with open(d + "/triple/main.tf", "w") as f:
        f.write(head + 'variable "name" {\n  type = string\n}\n' + res(M, "model", "", body["model"]("var.name"))
                + res(V, "version", "", body["version"](f"{M}.model", "var.name"))
                + res(A, "alias", "", body["alias"](f"{M}.model", f"{V}.version")))
else:
    sys.exit(f"unknown shape {shape} (count, for_each, chained, module)")
with open(d + "/main.tf", "w") as f:
    f.write(tf)
PY
}

# phase DIR WORKLOAD SIZE NAME [phase.py options] -- terraform ARGS...
phase() {
  local dir=$1 workload=$2 n=$3 name=$4
  shift 4
  local args=()
  while [ "$1" != "--" ]; do args+=("$1"); shift; done
  shift
  log "  $workload $n: $name"
  python3 "$ROOT/bench/phase.py" --out "$results" --size "$n" --phase "$name" --label "workload=$workload" \
    --label "load=$(cut -d' ' -f1 /proc/loadavg)" --log "$dir/$name.log" "${args[@]}" \
    -- "$terraform" -chdir="$dir" "$@" -input=false -no-color || die "$workload $n: $name failed"
}

# expect WHAT GOT WANT
expect() { [ "$2" = "$3" ] || die "$1: $2 on the server, expected $3"; log "  check: $1 = $2"; }

# endpoints_config DIR N [TYPE] writes N endpoints, or N resources of
# bench/floorprov's floor_endpoint (TYPE floor_endpoint: the same schema
# and arguments, no code behind them).
endpoints_config() {
  local type=${3:-mlops_endpoint}
  mkdir -p "$1"
  cat >"$1/main.tf" <<TF
terraform {
  required_providers {
    ${type%%_*} = { source = "mlopsprovider/${type%%_*}" }
  }
}
resource "$type" "e" {
  count = $2
  name  = "scale-\${count.index}"
  model = {
    storage_uri = "s3://models/scale/\${count.index}"
    format      = "sklearn"
  }
  scaling        = { min_replicas = 1, max_replicas = 2 }
  wait_for_ready = false
}
TF
}

# plugin_floor_config DIR N [TYPE] writes N of bench/floorprov's floor_min
# (one attribute, what any plugin provider's resource costs) or of TYPE, one
# of its resources with an `input` attribute (floor_w10, floor_w20, floor_w40).
plugin_floor_config() {
  local type=${3:-floor_min}
  mkdir -p "$1"
  cat >"$1/main.tf" <<TF
terraform {
  required_providers {
    floor = { source = "mlopsprovider/floor" }
  }
}
resource "$type" "e" {
  count = $2
  input = "scale-\${count.index}"
}
TF
}

# floor_endpoints_config DIR N writes N terraform_data.
floor_endpoints_config() {
  mkdir -p "$1"
  cat >"$1/main.tf" <<TF
resource "terraform_data" "e" {
  count = $2
  input = "scale-\${count.index}"
}
TF
}
