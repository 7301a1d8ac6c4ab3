#!/usr/bin/env bash
# Width bench: how the no-op plan of N resources grows with the width of
# their schema, when the provider does nothing. No servers: every resource is
# one of bench/floorprov's, which keep their plan and read nothing, next to
# Terraform's own terraform_data, planned in the same run:
#
#   terraform_data   Terraform's floor (4 attributes, no plugin)
#   floor_min        a plugin resource of 2 attributes (id, input)
#   floor_w10/20/40  the same with 10, 20 or 40 more optional strings (null)
#   floor_endpoint   mlops_endpoint's schema (93 attributes in 21 nested
#                    objects, with its validators and plan modifiers)
#   floor_bare       the same schema without validators, plan modifiers and
#                    defaults: how much of floor_endpoint's cost is the
#                    shape, which the interface fixes, and how much the
#                    checks and modifiers the provider declares
#
# It shows which schemas can plan within a given multiple of terraform_data
# at all, whatever their provider's code does.
#
#   ./bench/width.sh [--size 1000] [--repeat 3]
#   BENCH_TOOL=tofu ./bench/width.sh     # with OpenTofu
#
# Each configuration is applied once (-parallelism=50), then planned
# BENCH_REPEAT times (-detailed-exitcode must be 0), all alternating, timed
# by bench/phase.py with Terraform's and the provider's CPU. Prints one
# table; the raw figures are in .run/bench-width/results.jsonl.
source "$(dirname "$0")/lib.sh"
size=${BENCH_SIZE:-1000}
repeat=${BENCH_REPEAT:-3}
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    *) die "usage: $0 [--size N] [--repeat K]" ;;
  esac
done
work="$RUN_DIR/bench-width"
rm -rf "$work"
mkdir -p "$work"
bench_cli
bench_measured
export TF_CLI_CONFIG_FILE="$work/terraformrc"
results="$work/results.jsonl"
: >"$results"

types=(terraform_data floor_min floor_w10 floor_w20 floor_w40 floor_bare floor_endpoint)
for type in "${types[@]}"; do
  case "$type" in
    terraform_data) floor_endpoints_config "$work/$type" "$size" ;;
    floor_endpoint | floor_bare) endpoints_config "$work/$type" "$size" "$type" ;;
    *) plugin_floor_config "$work/$type" "$size" "$type" ;;
  esac
done
# opts TYPE: phase.py's options for TYPE's provider.
opts() { if [ "$1" = terraform_data ]; then echo --no-provider; else echo "--provider-bin $floor_provider"; fi; }
log "width: $size of each of ${types[*]}"
for type in "${types[@]}"; do
  # shellcheck disable=SC2046 # opts gives separate words
  phase "$work/$type" "$type" "$size" apply $(opts "$type") -- apply -auto-approve -parallelism=50
done
for ((i = 1; i <= repeat; i++)); do
  for type in "${types[@]}"; do
    # shellcheck disable=SC2046
    phase "$work/$type" "$type" "$size" "plan-$i" $(opts "$type") -- plan -detailed-exitcode
  done
done

python3 - "$results" "$repeat" "$("$terraform" version | head -n 1)" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
attrs = {"terraform_data": "4", "floor_min": "2", "floor_w10": "12", "floor_w20": "22", "floor_w40": "42",
         "floor_bare": "93, bare", "floor_endpoint": "93 in 21 objects"}
plans = lambda w: [r for r in rows if r["workload"] == w and r["phase"].startswith("plan-")]
cpu = lambda r: r["terraform_cpu_s"] + r.get("provider_cpu_s", 0.0)
floor = plans("terraform_data")
fw = statistics.median(r["wall_s"] for r in floor)
fc = statistics.median(cpu(r) for r in floor)
n = floor[0]["size"]
print()
print(f"{sys.argv[3]}. No-op plans of {n} resources of each type, median of {sys.argv[2]}, alternating, same run;")
print("cpu: the CLI's + the provider's CPU seconds (the CLI's own share in brackets); ratios against terraform_data.")
print()
print(f"| {'resource':<15} | {'attributes':>17} | {'wall (s)':>8} | {'wall ratio':>10} | {'cpu (s)':>15} | {'cpu ratio':>9} |")
print(f"|{'-' * 17}|{'-' * 18}:|{'-' * 9}:|{'-' * 11}:|{'-' * 16}:|{'-' * 10}:|")
for w in attrs:
    rs = plans(w)
    if not rs:
        continue
    mw = statistics.median(r["wall_s"] for r in rs)
    mc = statistics.median(cpu(r) for r in rs)
    tc = statistics.median(r["terraform_cpu_s"] for r in rs)
    print(f"| {w:<15} | {attrs[w]:>17} | {mw:>8.2f} | {mw / fw:>9.1f}x | {f'{mc:.2f} ({tc:.1f})':>15} | {mc / fc:>8.1f}x |")
PY
