#!/usr/bin/env bash
# Scale bench: the no-op plan of a large state against Terraform's own floor,
# the same number of terraform_data resources in the same graph, planned in
# the same run, on the bench's own local stack (the real MLflow server; the
# local cluster with KServe's real controller):
#
#   endpoints  N mlops_endpoint (count = N, wait_for_ready = false), applied
#              at -parallelism=50; floor: N terraform_data (count = N);
#              and, to show where the difference goes, N of bench/floorprov's
#              floor_min (a plugin provider's resource with one attribute)
#              and floor_endpoint (mlops_endpoint's schema, no code behind it)
#   triples    N registry triples against MLflow: an mlops_registered_model,
#              an mlops_model_version of it and an mlops_model_alias naming
#              both; floor: 3N terraform_data with the same references
#              (bench/lib.sh triples_config), and, as for the endpoints, 3N
#              floor_min and the registry resources' schemas with no code
#              behind them (floor_registered_model, ...), in the shape BENCH_SHAPES names
#              (count, for_each, chained or module; default count, the shape
#              the issue measured; bench/shapes.sh compares them)
#
# Sizes grow within one state (100, then 300 adds 200, ...). Before the plans
# of each size, the cluster's controllers are paused (SIGSTOP; continued for
# the endpoints' applies, whose admission KServe's webhooks serve), so only
# Terraform, the provider and the API server run. Each size's plans run
# BENCH_REPEAT times (default 3), ours and the floor's alternating (the
# machine is shared), each a no-op (-detailed-exitcode must be 0) at
# Terraform's default -parallelism=10, timed by bench/phase.py with the
# provider's peak RSS from bench/measure; the table shows the medians and the
# largest peak. The servers are checked after each apply (N
# InferenceServices, N registered models).
#
#   ./bench/scale.sh [--endpoints "100 300 1000"] [--triples "100 300"]
#                    [--shapes "count"] [--repeat 3]
#   BENCH_TOOL=tofu ./bench/scale.sh     # with OpenTofu
#   BENCH_ENDPOINTS="30" BENCH_TRIPLES="10" BENCH_REPEAT=1 ./bench/scale.sh   # quick
#
# An empty list skips that workload. The objects are left in the bench's own
# stack, which is stopped at the end and removed by the next bench's start;
# with BENCH_STACK_UP=1 (someone else's stack) they are destroyed. Prints one
# table; the raw figures are in .run/bench-scale/results.jsonl, the Terraform
# logs beside them.
source "$(dirname "$0")/lib.sh"
endpoint_sizes=${BENCH_ENDPOINTS-100 300 1000}
triple_sizes=${BENCH_TRIPLES-100 300}
shapes=${BENCH_SHAPES:-count}
repeat=${BENCH_REPEAT:-3}
while [ $# -gt 0 ]; do
  case "$1" in
    --endpoints) endpoint_sizes=$2; shift 2 ;;
    --triples) triple_sizes=$2; shift 2 ;;
    --shapes) shapes=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    *) die "usage: $0 [--endpoints \"N...\"] [--triples \"N...\"] [--shapes \"count for_each chained module\"] [--repeat K]" ;;
  esac
done
read -r -a endpoint_sizes <<<"$endpoint_sizes"
read -r -a triple_sizes <<<"$triple_sizes"
read -r -a shapes <<<"$shapes"
work="$RUN_DIR/bench-scale"
rm -rf "$work"
bench_up "$work"
bench_measured
ns=scale
export MLOPS_NAMESPACE=$ns
bench_namespace "$ns"
results="$work/results.jsonl"
: >"$results"
# Whatever happens, the controllers are not left stopped.
if [ "${BENCH_STACK_UP:-}" != 1 ]; then
  trap 'bench_resume_controllers; bench_stop' EXIT
else
  trap bench_resume_controllers EXIT
fi

# modules DIR installs the module shape's local module (terraform get: init
# would look for the mlops provider in the registry; dev_overrides provide
# it, terraform_data is built in).
modules() { "$terraform" -chdir="$1" get -no-color >"$1/get.log" 2>&1 || { cat "$1/get.log" >&2; die "terraform get failed in $1"; }; }

# plans WORKLOAD N OURS-DIR FLOOR-DIR [NAME=DIR...]: BENCH_REPEAT no-op plans
# of each, alternating, with the controllers paused. Each NAME=DIR is a
# configuration of bench/floorprov's resources, planned as plan-NAME-i.
plans() {
  local workload=$1 n=$2 ours=$3 floor=$4 i extra
  shift 4
  bench_pause_controllers
  for ((i = 1; i <= repeat; i++)); do
    phase "$ours" "$workload" "$n" "plan-ours-$i" -- plan -detailed-exitcode
    phase "$floor" "$workload" "$n" "plan-floor-$i" --no-provider -- plan -detailed-exitcode
    for extra in "$@"; do
      phase "${extra#*=}" "$workload" "$n" "plan-${extra%%=*}-$i" --provider-bin "$floor_provider" -- plan -detailed-exitcode
    done
  done
  bench_resume_controllers
}

if [ ${#endpoint_sizes[@]} -gt 0 ]; then
  ours="$work/endpoints" floor="$work/endpoints-floor"
  plugin="$work/endpoints-plugin" shape="$work/endpoints-schema"
  for n in "${endpoint_sizes[@]}"; do
    log "endpoints: $n mlops_endpoint against $n terraform_data, floor_min and floor_endpoint"
    endpoints_config "$ours" "$n"
    floor_endpoints_config "$floor" "$n"
    plugin_floor_config "$plugin" "$n"
    endpoints_config "$shape" "$n" floor_endpoint
    phase "$ours" endpoints "$n" apply -- apply -auto-approve -parallelism=50
    expect "InferenceServices" "$(kube_count "$ns" serving.kserve.io/v1beta1/inferenceservices)" "$n"
    phase "$floor" endpoints "$n" apply-floor --no-provider -- apply -auto-approve -parallelism=50
    phase "$plugin" endpoints "$n" apply-plugin --provider-bin "$floor_provider" -- apply -auto-approve -parallelism=50
    phase "$shape" endpoints "$n" apply-schema --provider-bin "$floor_provider" -- apply -auto-approve -parallelism=50
    plans endpoints "$n" "$ours" "$floor" "plugin=$plugin" "schema=$shape"
  done
fi

for shape in "${shapes[@]}"; do
  [ ${#triple_sizes[@]} -gt 0 ] || break
  ours="$work/triples-$shape" floor="$work/triples-$shape-floor"
  plugin="$work/triples-$shape-plugin" schema="$work/triples-$shape-schema"
  prefix="scale-$shape"
  for n in "${triple_sizes[@]}"; do
    log "triples ($shape): $n models, versions and aliases against $((3 * n)) terraform_data, floor_min and their schemas in the same graph"
    for kind in mlops floor plugin schema; do
      d=$ours
      [ "$kind" = mlops ] || d=$ours-$kind
      triples_config "$d" "$shape" "$n" "$prefix" "$kind"
      modules "$d"
    done
    # KServe is not involved: its controllers stay paused (no background
    # reconciling of the endpoints above during the applies).
    bench_pause_controllers
    phase "$ours" "triples-$shape" "$n" apply -- apply -auto-approve -parallelism=50
    expect "registered models $prefix-*" "$(mlflow_count "$prefix-")" "$n"
    phase "$floor" "triples-$shape" "$n" apply-floor --no-provider -- apply -auto-approve -parallelism=50
    phase "$plugin" "triples-$shape" "$n" apply-plugin --provider-bin "$floor_provider" -- apply -auto-approve -parallelism=50
    phase "$schema" "triples-$shape" "$n" apply-schema --provider-bin "$floor_provider" -- apply -auto-approve -parallelism=50
    plans "triples-$shape" "$n" "$ours" "$floor" "plugin=$plugin" "schema=$schema"
  done
done

if [ "${BENCH_STACK_UP:-}" = 1 ]; then
  log "destroying what the bench made in the caller's stack"
  for d in "$work"/endpoints "$work"/triples-*; do
    case "$d" in *-floor | *-plugin | *-schema) continue ;; esac
    [ -d "$d" ] && tf "$d" destroy -auto-approve -parallelism=50 >"$d/destroy.log" 2>&1
  done
fi

python3 - "$results" "$repeat" "$("$terraform" version | head -n 1)" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
repeat = int(sys.argv[2])
print()
print(f"{sys.argv[3]}.", end="")
order = list(dict.fromkeys((r["workload"], r["size"]) for r in rows))
def plans(w, n, who):
    return [r for r in rows if r["workload"] == w and r["size"] == n and r["phase"].startswith(f"plan-{who}-")]
name = {"endpoints": "mlops_endpoint"}
print()
print(f"No-op plans, ours against the terraform_data floor of the same size and graph, same run; median of {repeat} each, alternating.")
print("Controllers paused during the plans; Terraform's default -parallelism=10; peak: the provider's largest RSS;")
print("cpu: CPU seconds of Terraform and the provider (ours) or of Terraform (floor), steadier than wall on a shared machine.")
print()
print(f"| {'workload':<34} | {'size':>5} | {'ours (s)':>8} | {'floor (s)':>9} | {'ratio':>6} | {'provider peak MiB':>17} "
      f"| {'ours cpu (s)':>12} | {'floor cpu (s)':>13} | {'cpu ratio':>9} |")
print(f"|{'-' * 36}|{'-' * 6}:|{'-' * 9}:|{'-' * 10}:|{'-' * 7}:|{'-' * 18}:|{'-' * 13}:|{'-' * 14}:|{'-' * 10}:|")
loads = []
for w, n in order:
    o, f = plans(w, n, "ours"), plans(w, n, "floor")
    if not o or not f:
        continue
    mo = statistics.median(r["wall_s"] for r in o)
    mf = statistics.median(r["wall_s"] for r in f)
    peak = max(r["provider_peak_mib"] for r in o)
    co = statistics.median(r["terraform_cpu_s"] + r["provider_cpu_s"] for r in o)
    cf = statistics.median(r["terraform_cpu_s"] for r in f)
    loads += [float(r["load"]) for r in o + f]
    label = "mlops_endpoint" if w == "endpoints" else f"registry triples ({w.split('-', 1)[1]})"
    print(f"| {label:<34} | {n:>5} | {mo:>8.2f} | {mf:>9.2f} | {mo / mf:>5.1f}x | {peak:>17.1f} "
          f"| {co:>12.2f} | {cf:>13.2f} | {co / cf if cf else 0:>8.1f}x |")
def cpu(w, n, who):
    rs = plans(w, n, who)
    if not rs:
        return None
    tf = statistics.median(r["terraform_cpu_s"] for r in rs)
    pv = statistics.median(r["provider_cpu_s"] for r in rs) if who != "floor" else 0.0
    return tf, pv
split = [(w, n) for w, n in order if plans(w, n, "plugin")]
if split:
    print()
    print("Where the no-op plan goes, in CPU seconds (median; Terraform + provider), same run and graph. plugin: as many of")
    print("bench/floorprov's floor_min (one attribute, no code: what any plugin provider's resource costs); schema: as many of")
    print("its resources with our schemas, validators and plan modifiers and no code behind them (floor_endpoint; for the")
    print("triples floor_registered_model, floor_model_version and floor_model_alias).")
    print()
    cols = ["terraform_data", "plugin", "schema", "ours"]
    print(f"| {'workload':<18} | {'size':>5} | " + " | ".join(f"{c:>17}" for c in cols) +
          f" | {'plugin/floor':>12} | {'ours/plugin':>11} | {'ours/schema':>11} |")
    print(f"|{'-' * 20}|{'-' * 6}:|" + "|".join("-" * 18 + ":" for _ in cols) + f"|{'-' * 13}:|{'-' * 12}:|{'-' * 12}:|")
    ratio = lambda a, b: f"{a / b:.1f}x" if a is not None and b else "-"
    for w, n in split:
        cells = [cpu(w, n, who) for who in ("floor", "plugin", "schema", "ours")]
        tot = [sum(c) if c else None for c in cells]
        text = [f"{t:.2f} ({c[0]:.1f}+{c[1]:.1f})" if c else "-" for t, c in zip(tot, cells)]
        print(f"| {w:<18} | {n:>5} | " + " | ".join(f"{c:>17}" for c in text) +
              f" | {ratio(tot[1], tot[0]):>12} | {ratio(tot[3], tot[1]):>11} | {ratio(tot[3], tot[2]):>11} |")
if loads:
    print()
    print(f"1-minute load average at the start of the plans: {min(loads):.1f} to {max(loads):.1f} (median {statistics.median(loads):.1f}) on {__import__('os').cpu_count()} cores")
PY
