#!/usr/bin/env bash
# Shapes bench: how Terraform's own time grows with the way a configuration
# writes N "registry triples" (a model, a version referencing it, an alias
# referencing both, as mlops_registered_model, mlops_model_version and
# mlops_model_alias do), measured with terraform_data alone (no provider, no
# server), with Terraform and with OpenTofu. Shapes:
#
#   count      count = N; version.input = terraform_data.model[count.index].output
#   for_each   for_each = a set of N names; terraform_data.model[each.key].output
#   chained    for_each over the upstream resource itself:
#              version: for_each = terraform_data.model, each.value.output;
#              alias: for_each = terraform_data.version, each.value.output
#   module     one module call with for_each = the N names; the module holds
#              one model, one version and one alias, referencing each other
#              without an index
#
# For each tool, shape and size (in objects, 3 per triple): an apply from an
# empty state, then a no-op plan (-detailed-exitcode must be 0), each timed
# by bench/phase.py (wall, Terraform's CPU and peak RSS). A shape is linear
# when 3 times the objects cost about 3 times the time.
#
#   ./bench/shapes.sh [OBJECTS...]     # default: 300 900
#
# SHAPES_TOOLS (default "terraform tofu") and SHAPES (default "count for_each
# chained module") choose what runs. Prints one table; the raw figures are in
# .run/bench-shapes/results.jsonl.
source "$(dirname "$0")/lib.sh"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || read -r -a sizes <<<"${BENCH_SIZES:-300 900}"
read -r -a tools <<<"${SHAPES_TOOLS:-terraform tofu}"
read -r -a shapes <<<"${SHAPES:-count for_each chained module}"
work="$RUN_DIR/bench-shapes"
rm -rf "$work"
mkdir -p "$work"
results="$work/results.jsonl"
: >"$results"
# No provider of ours is used: an empty CLI configuration.
touch "$work/terraformrc"
export TF_CLI_CONFIG_FILE="$work/terraformrc"

for tool in "${tools[@]}"; do
  case "$tool" in
    terraform) bin=$("$ROOT/scripts/install-terraform.sh") ;;
    tofu) bin=$("$ROOT/scripts/install-opentofu.sh") ;;
    *) die "unknown tool $tool (terraform, tofu)" ;;
  esac
  for objects in "${sizes[@]}"; do
    [ $((objects % 3)) = 0 ] || die "size $objects: objects must be a multiple of 3"
    for shape in "${shapes[@]}"; do
      dir="$work/$tool-$shape-$objects"
      triples_config "$dir" "$shape" $((objects / 3)) m floor
      "$bin" -chdir="$dir" init -input=false -no-color >"$dir/init.log" 2>&1 || { cat "$dir/init.log" >&2; die "init failed in $dir"; }
      for step in apply plan; do
        log "$tool, $shape, $objects objects: $step"
        args=(apply -auto-approve)
        [ "$step" = plan ] && args=(plan -detailed-exitcode)
        python3 "$ROOT/bench/phase.py" --out "$results" --no-provider --size "$objects" --phase "$step" \
          --label "tool=$tool" --label "shape=$shape" --log "$dir/$step.log" \
          -- "$bin" -chdir="$dir" "${args[@]}" -input=false -no-color || die "$step of $shape ($tool, $objects) failed"
      done
    done
  done
done

python3 - "$results" <<'PY'
import json, os, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {(r["tool"], r["shape"], r["size"], r["phase"]): r for r in rows}
tools = list(dict.fromkeys(r["tool"] for r in rows))
shapes = list(dict.fromkeys(r["shape"] for r in rows))
sizes = sorted({r["size"] for r in rows})
print()
print("Shapes: terraform_data only, 3 objects per triple. wall: seconds; cpu: Terraform's CPU seconds (steadier than")
print("wall on a shared machine); peak: Terraform's largest RSS (MiB). growth: largest size over smallest; linear is")
print(f"the ratio of the objects. Load average at the end: {open('/proc/loadavg').read().split()[0]} on {os.cpu_count()} cores.")
print()
print(f"{'tool':<10} {'shape':<9} {'objects':>7} {'apply wall':>10} {'apply cpu':>10} {'plan wall':>10} {'plan cpu':>9} {'peak MiB':>9}")
for t in tools:
    for sh in shapes:
        for n in sizes:
            a, p = by.get((t, sh, n, "apply")), by.get((t, sh, n, "plan"))
            if a and p:
                print(f"{t:<10} {sh:<9} {n:>7} {a['wall_s']:>10.2f} {a['terraform_cpu_s']:>10.2f} {p['wall_s']:>10.2f} "
                      f"{p['terraform_cpu_s']:>9.2f} {max(a['children_peak_mib'], p['children_peak_mib']):>9.0f}")
        lo, hi = sizes[0], sizes[-1]
        a0, a1 = by.get((t, sh, lo, "apply")), by.get((t, sh, hi, "apply"))
        p0, p1 = by.get((t, sh, lo, "plan")), by.get((t, sh, hi, "plan"))
        if lo != hi and a0 and a1 and p0 and p1:
            g = lambda x, y, k: f"{y[k] / x[k]:.1f}x" if x[k] else "-"
            print(f"{'':<10} {sh:<9} {'growth':>7} {g(a0, a1, 'wall_s'):>10} {g(a0, a1, 'terraform_cpu_s'):>10} "
                  f"{g(p0, p1, 'wall_s'):>10} {g(p0, p1, 'terraform_cpu_s'):>9}   (objects x{hi / lo:.0f})")
PY
