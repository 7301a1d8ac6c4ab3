#!/usr/bin/env bash
# Benchmark: 50 mlops_endpoint resources on the local cluster (KServe's real
# controller, pods on a kwok node; apply waiting for Ready, no-op plan, destroy), and 50
# registry objects (refresh vs the bare GETs). Prints a table.
#
# The reference figures for kubernetes_manifest (41 s apply, 9.5 s no-op plan,
# 29 s destroy for 50 InferenceServices) were measured on this same local
# stack; the kubernetes provider cannot be downloaded here (no access to the
# Terraform Registry), so they are quoted, not re-measured. The target is at
# least 4x faster on each.
#
#   ./bench/endpoints.sh [N]     # default N=50
#
# Then, on the same stack, the load bench (bench/load.sh): N endpoints and N
# registered models in one state, for each size in BENCH_SIZES (default
# "50 1000"; BENCH_SIZES= skips it), with the provider's peak memory.
source "$(dirname "$0")/lib.sh"
n=${1:-50}
work="$RUN_DIR/bench"
rm -rf "$work"
bench_up "$work"
export MLOPS_NAMESPACE=bench
bench_namespace bench

mkdir -p "$work/endpoints" "$work/registry"
cat >"$work/endpoints/main.tf" <<TF
terraform {
  required_providers {
    mlops = { source = "mlopsprovider/mlops" }
  }
}
resource "mlops_endpoint" "e" {
  count = $n
  name  = "bench-\${count.index}"
  model = {
    storage_uri = "s3://models/bench/\${count.index}"
    format      = "sklearn"
  }
  scaling = { min_replicas = 1, max_replicas = 2 }
}
TF
cat >"$work/registry/main.tf" <<TF
terraform {
  required_providers {
    mlops = { source = "mlopsprovider/mlops" }
  }
}
resource "mlops_registered_model" "m" {
  count = $n
  name  = "bench-\${count.index}"
  tags  = { bench = "true" }
}
TF

timed() { local s e; s=$(secs); "$@" >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; die "failed: $*"; }; e=$(secs); python3 -c "print(f'{$e - $s:.2f}')"; }

log "endpoints: apply $n (waiting for Ready), no-op plan, destroy"
ep_apply=$(timed tf "$work/endpoints" apply -auto-approve)
ep_plan=$(timed tf "$work/endpoints" plan -detailed-exitcode)
ep_destroy=$(timed tf "$work/endpoints" destroy -auto-approve)

log "registry: apply $n registered models, refresh, and the same reads as bare GETs"
timed tf "$work/registry" apply -auto-approve >/dev/null
rg_plan=$(timed tf "$work/registry" plan -detailed-exitcode)
rg_gets=$(python3 - "$MLFLOW_TRACKING_URI" "$n" <<'PY'
import sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
base, n = sys.argv[1], int(sys.argv[2])
def get(i):
    urllib.request.urlopen(f"{base}/api/2.0/mlflow/registered-models/get?name=bench-{i}").read()
start = time.time()
with ThreadPoolExecutor(10) as pool:  # Terraform refreshes with 10 workers too
    list(pool.map(get, range(n)))
print(f"{time.time() - start:.2f}")
PY
)
tf "$work/registry" destroy -auto-approve >/dev/null 2>&1 || true

python3 - "$n" "$ep_apply" "$ep_plan" "$ep_destroy" "$rg_plan" "$rg_gets" <<'PY'
import sys
n = sys.argv[1]
apply_s, plan_s, destroy_s, rg_plan, rg_gets = map(float, sys.argv[2:])
ref = {"apply": 41.0, "plan": 9.5, "destroy": 29.0}
print()
print(f"{'operation (' + n + ' objects)':<44} {'mlops (s)':>10} {'kubernetes_manifest (s)':>24} {'speed-up':>9} {'target':>7}")
for name, ours in (("endpoints: apply, waiting for Ready", apply_s), ("endpoints: no-op plan", plan_s), ("endpoints: destroy", destroy_s)):
    key = name.split(": ")[1].split(",")[0].replace("no-op ", "")
    r = ref[key]
    print(f"{name:<44} {ours:>10.2f} {r:>24.1f} {r / ours:>8.1f}x {'met' if r / ours >= 4 else 'MISSED':>7}")
print(f"{'registry: plan (refresh) of ' + n + ' models':<44} {rg_plan:>10.2f}")
print(f"{'registry: the same ' + n + ' GETs, bare, 10 at a time':<44} {rg_gets:>10.2f}")
print(f"{'registry: plan / bare GETs':<44} {rg_plan / rg_gets:>9.1f}x   (plan includes Terraform's own start-up and graph walk)")
PY

sizes=${BENCH_SIZES-50 1000}
if [ -n "$sizes" ]; then
  # shellcheck disable=SC2086
  BENCH_STACK_UP=1 "$ROOT/bench/load.sh" $sizes
fi
