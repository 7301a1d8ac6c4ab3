#!/usr/bin/env bash
# The README's first command: brings up the local stack, trains a tiny model
# and logs it to MLflow, then applies examples/quickstart with the provider
# built from this checkout, prints the outputs, and checks that a second
# plan shows no changes. Running it again is safe.
#
#   ./scripts/quickstart.sh          # bring up and apply
#   ./scripts/quickstart.sh down     # destroy, stop the servers, remove their state
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
qs="$RUN_DIR/quickstart"
mkdir -p "$qs"
export TF_CLI_CONFIG_FILE="$qs/terraformrc"
export CHECKPOINT_DISABLE=1

if [ "${1:-}" = "down" ]; then
  if [ -f "$qs/terraform.tfstate" ] && [ -f "$RUN_DIR/mlflow/env" ] && "$ROOT/scripts/mlflow-server.sh" start >/dev/null 2>&1; then
    # shellcheck disable=SC1091
    source "$RUN_DIR/mlflow/env"
    "$TOOLS_BIN/terraform" -chdir=examples/quickstart destroy -auto-approve -input=false \
      -state="$qs/terraform.tfstate" -var "run_id=$(cat "$qs/run_id" 2>/dev/null || echo none)" >/dev/null || true
  fi
  "$ROOT/scripts/mlflow-server.sh" clean
  rm -rf "$qs"
  log "quickstart removed"
  exit 0
fi

start=$(date +%s)
terraform=$("$ROOT/scripts/install-terraform.sh")
python="$("$ROOT/scripts/install-mlflow.sh")/python"

log "building the provider"
mkdir -p "$TOOLS/provider"
go build -o "$TOOLS/provider/terraform-provider-mlops" .
cat >"$TF_CLI_CONFIG_FILE" <<CFG
provider_installation {
  dev_overrides {
    "mlopsprovider/mlops" = "$TOOLS/provider"
  }
  direct {}
}
CFG

"$ROOT/scripts/mlflow-server.sh" start
# shellcheck disable=SC1091
source "$RUN_DIR/mlflow/env"

# Train once; a second run reuses the run as long as the server still has it.
if [ ! -f "$qs/run_id" ] || ! wait_http "$MLFLOW_TRACKING_URI/api/2.0/mlflow/runs/get?run_id=$(cat "$qs/run_id")" 1; then
  log "training a tiny scikit-learn model and logging it to MLflow"
  "$python" scripts/log_model.py --runs 1 --experiment quickstart --out "$qs/runs.json" >"$qs/train.log" 2>&1 ||
    { cat "$qs/train.log" >&2; die "training failed"; }
  "$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0]["run_id"])' "$qs/runs.json" >"$qs/run_id"
fi
run_id=$(cat "$qs/run_id")
log "model logged by run $run_id"

tf() { "$terraform" -chdir=examples/quickstart "$@" -input=false -state="$qs/terraform.tfstate" -var "run_id=$run_id"; }
log "terraform apply (examples/quickstart)"
tf apply -auto-approve -compact-warnings -no-color
log "outputs"
"$terraform" -chdir=examples/quickstart output -state="$qs/terraform.tfstate"
log "checking that a second plan shows no changes"
set +e
tf plan -detailed-exitcode >"$qs/plan.log" 2>&1
rc=$?
set -e
if [ $rc -ne 0 ]; then cat "$qs/plan.log" >&2; die "the second plan is not empty (exit code $rc)"; fi
log "no changes. Done in $(( $(date +%s) - start ))s. MLflow UI: $MLFLOW_TRACKING_URI (stop everything with: ./scripts/quickstart.sh down)"
