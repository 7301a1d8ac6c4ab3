#!/usr/bin/env bash
# Load bench: N mlops_endpoint and N mlops_registered_model resources in ONE
# configuration (one state), for each size N, on the bench's own local stack
# (the real MLflow server; the local cluster with KServe's real controller
# and pods on a kwok node). For each size it measures, with a fresh provider
# measurement per phase (bench/phase.py: Terraform starts the provider as
# always, through bench/measure, which records each provider process's peak
# RSS and CPU seconds):
#
#   apply      -parallelism=50, every endpoint waiting for Ready (the default)
#   plan       no change expected (-detailed-exitcode must be 0), the whole
#              state (N endpoints + N models), at Terraform's default
#              -parallelism=10, as users run it
#   plan ep    the same, only the endpoints (-target=mlops_endpoint.e)
#   plan 50    the whole state at -parallelism=50
#   destroy    -parallelism=50
#
# and checks the servers: after apply N InferenceServices and N registered
# models, after destroy none. BENCH_NOWAIT=1 adds, per size, an apply and
# destroy with wait_for_ready = false (what KServe's controller costs).
# BENCH_PROFILE=1 adds, per size, two more endpoints-only plans: one with the
# provider built with profiling (bench/profile; CPU and allocation profiles
# in .run/bench-load/size-N/profile), one with TF_LOG=trace for the time of
# each plugin call from the provider's protocol log (bench/rpctimes.py).
# BENCH_BASE_BIN=<a provider binary> adds endpoints-only and whole-state
# plans with that binary, alternating with this checkout's (before/after in
# one run). BENCH_QUIET=1 adds an endpoints-only plan with the SDK's loggers
# off (TF_LOG_SDK*=off), to show what their TRACE output costs.
# Sizes run in the order given; between two sizes the bench waits until the
# garbage collector has removed the Deployments and pods of the last one.
#
#   ./bench/load.sh [SIZE...]        # default: 50 1000
#
# Prints one table; the raw figures are in .run/bench-load/results.jsonl, the
# Terraform and provider logs beside them.
source "$(dirname "$0")/lib.sh"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || read -r -a sizes <<<"${BENCH_SIZES:-50 1000}"
work="$RUN_DIR/bench-load"
rm -rf "$work"
bench_up "$work"
bench_measured
[ "${BENCH_PROFILE:-}" = 1 ] && go build -o "$work/profile/terraform-provider-mlops" ./bench/profile
ns=load
bench_namespace "$ns"
results="$work/results.jsonl"
: >"$results"

# config DIR N WAIT writes the configuration of size N.
config() {
  mkdir -p "$1"
  cat >"$1/main.tf" <<TF
terraform {
  required_providers {
    mlops = { source = "mlopsprovider/mlops" }
  }
}
provider "mlops" {
  namespace = "$ns"
}
resource "mlops_registered_model" "m" {
  count = $2
  name  = "load-\${count.index}"
  tags  = { bench = "load" }
}
resource "mlops_endpoint" "e" {
  count = $2
  name  = "load-\${count.index}"
  model = {
    storage_uri = "s3://models/load/\${count.index}"
    format      = "sklearn"
  }
  scaling        = { min_replicas = 1, max_replicas = 2 }
  wait_for_ready = $3
}
TF
}

# drained waits until no Deployment or pod of the namespace is left.
drained() {
  local i
  for ((i = 0; i < 600; i++)); do
    [ "$(kube_count "$ns" apps/v1/deployments)" = 0 ] && [ "$(kube_count "$ns" v1/pods)" = 0 ] && return 0
    sleep 1
  done
  die "the garbage collector left Deployments or pods in $ns after 600 s"
}

for n in "${sizes[@]}"; do
  log "size $n: $n endpoints and $n registered models in one state"
  dir="$work/size-$n"
  config "$dir" "$n" true
  phase "$dir" load "$n" apply -- apply -auto-approve -parallelism=50
  expect "InferenceServices" "$(kube_count "$ns" serving.kserve.io/v1beta1/inferenceservices)" "$n"
  expect "registered models" "$(mlflow_count load-)" "$n"
  phase "$dir" load "$n" plan -- plan -detailed-exitcode
  phase "$dir" load "$n" "plan-ep" -- plan -detailed-exitcode -target=mlops_endpoint.e
  phase "$dir" load "$n" "plan-50" -- plan -detailed-exitcode -parallelism=50
  if [ -n "${BENCH_BASE_BIN:-}" ]; then
    # Before/after in one run, alternating (the machine is shared and noisy).
    phase "$dir" load "$n" "plan-ep-base" --provider-bin "$BENCH_BASE_BIN" -- plan -detailed-exitcode -target=mlops_endpoint.e
    phase "$dir" load "$n" "plan-ep-2" -- plan -detailed-exitcode -target=mlops_endpoint.e
    phase "$dir" load "$n" "plan-ep-base-2" --provider-bin "$BENCH_BASE_BIN" -- plan -detailed-exitcode -target=mlops_endpoint.e
    phase "$dir" load "$n" "plan-base" --provider-bin "$BENCH_BASE_BIN" -- plan -detailed-exitcode -parallelism=50
  fi
  if [ "${BENCH_QUIET:-}" = 1 ]; then
    # The SDK's loggers write at TRACE unless told otherwise; Terraform drops
    # what it does not show. This is what they cost.
    TF_LOG_SDK=off TF_LOG_SDK_FRAMEWORK=off TF_LOG_SDK_PROTO=off TF_LOG_PROVIDER=off \
      phase "$dir" load "$n" "plan-ep-quiet" -- plan -detailed-exitcode -target=mlops_endpoint.e
  fi
  if [ "${BENCH_PROFILE:-}" = 1 ]; then
    mkdir -p "$dir/profile"
    # The profiled plan runs as a user's does (no TF_LOG): logging at TRACE
    # would put the loggers' own work in the profile. The protocol log for
    # the calls' times comes from a second plan, not profiled.
    MLOPS_BENCH_PROFILE_DIR="$dir/profile" \
      phase "$dir" load "$n" "plan-ep-prof" --provider-bin "$work/profile/terraform-provider-mlops" -- plan -detailed-exitcode -target=mlops_endpoint.e
    TF_LOG_SDK_PROTO=trace TF_LOG=trace TF_LOG_PATH="$dir/profile/trace.log" \
      phase "$dir" load "$n" "plan-ep-trace" -- plan -detailed-exitcode -target=mlops_endpoint.e
    python3 "$ROOT/bench/rpctimes.py" "$dir/profile/trace.log" >"$dir/profile/rpctimes.txt" || true
  fi
  phase "$dir" load "$n" destroy -- destroy -auto-approve -parallelism=50
  expect "InferenceServices" "$(kube_count "$ns" serving.kserve.io/v1beta1/inferenceservices)" 0
  expect "registered models" "$(mlflow_count load-)" 0
  drained
  if [ "${BENCH_NOWAIT:-}" = 1 ]; then
    dir="$work/size-$n-nowait"
    config "$dir" "$n" false
    phase "$dir" load "$n" "apply-nowait" -- apply -auto-approve -parallelism=50
    expect "InferenceServices" "$(kube_count "$ns" serving.kserve.io/v1beta1/inferenceservices)" "$n"
    phase "$dir" load "$n" "destroy-nowait" -- destroy -auto-approve -parallelism=50
    expect "InferenceServices" "$(kube_count "$ns" serving.kserve.io/v1beta1/inferenceservices)" 0
    drained
  fi
done

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
sizes = sorted({r["size"] for r in rows})
by = {(r["size"], r["phase"]): r for r in rows}
phases = [p for p in ("apply", "apply-nowait", "plan", "plan-ep", "plan-50", "plan-ep-2", "plan-ep-base", "plan-ep-base-2", "plan-base",
                      "plan-ep-quiet", "plan-ep-prof", "plan-ep-trace", "destroy", "destroy-nowait")
          if any((s, p) in by for s in sizes)]
label = {"apply": "apply, -parallelism=50, waiting for Ready", "apply-nowait": "apply, -parallelism=50, wait_for_ready = false",
         "plan": "no-op plan, whole state, -parallelism=10", "plan-ep": "no-op plan, endpoints only (-target)",
         "plan-50": "no-op plan, whole state, -parallelism=50", "destroy": "destroy, -parallelism=50",
         "plan-ep-prof": "no-op plan, endpoints, profiled",
         "plan-ep-trace": "no-op plan, endpoints, TF_LOG=trace",
         "plan-ep-2": "no-op plan, endpoints only, again", "plan-ep-base": "no-op plan, endpoints only, BASE provider",
         "plan-ep-base-2": "no-op plan, endpoints only, BASE, again", "plan-base": "no-op plan, whole state, -p=50, BASE",
         "plan-ep-quiet": "no-op plan, endpoints only, SDK logs off",
         "destroy-nowait": "destroy (wait_for_ready = false run)"}
print()
print("Load: N endpoints + N registered models in one state.")
print("seconds: wall; tf cpu / prov cpu: CPU seconds of Terraform and of the provider processes; peak: the provider's peak RSS (MiB)")
print()
W = 38  # one size's columns
head = f"{'phase':<44}" + "".join(f"{'N=' + str(s):>{W}}" for s in sizes)
print(head)
print(f"{'':<44}" + "".join(f"{'seconds  tf cpu  prov cpu  peak MiB':>{W}}" for s in sizes))
for p in phases:
    line = f"{label[p]:<44}"
    for s in sizes:
        r = by.get((s, p))
        line += f" {r['wall_s']:>9.2f} {r['terraform_cpu_s']:>7.2f} {r['provider_cpu_s']:>9.2f} {r['provider_peak_mib']:>9.1f}" if r else f"{'-':>{W}}"
    print(line)
print()
# Objects in the command: N endpoints with -target, else 2N resources.
objs = lambda p, n: n if "-ep" in p else 2 * n
print("provider peak RSS per object (KiB; objects: 2N resources, N for the endpoints-only plans)")
for p in phases:
    line = f"{label[p]:<44}"
    for s in sizes:
        r = by.get((s, p))
        line += f"{r['provider_peak_mib'] * 1024 / objs(p, s):>{W}.1f}" if r else f"{'-':>{W}}"
    print(line)
if len(sizes) > 1:
    lo, hi = sizes[0], sizes[-1]
    print()
    print(f"growth of the peak from N={lo} to N={hi}, per added object (KiB); a constant slope is linear growth")
    for p in phases:
        a, b = by.get((lo, p)), by.get((hi, p))
        if a and b:
            slopes = []
            for m in sizes[1:]:
                c = by.get((m, p))
                if c:
                    slopes.append(f"N={m}: {(c['provider_peak_mib'] - a['provider_peak_mib']) * 1024 / (objs(p, m) - objs(p, lo)):.1f}")
            print(f"{label[p]:<44} " + ", ".join(slopes))
PY
