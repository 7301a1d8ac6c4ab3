#!/usr/bin/env bash
# The README's first command: brings up the local stack (MLflow, the local
# Kubernetes cluster with KServe's and Argo's real controllers on a kwok
# node, and the development gateway that serves the models for real with
# MLflow's model server), trains a tiny model and logs it to MLflow, applies
# examples/quickstart with the provider built from this checkout, prints the
# outputs, sends a real prediction request to the endpoint and prints the
# answer, runs the retraining pipeline once on Argo and prints its steps,
# closes the feedback loop (a new version becomes the "challenger"; MLflow's
# webhook reaches Argo's server, which starts the evaluation pipeline) and
# prints that run, and checks that a second plan shows no changes. Running it
# again is safe.
#
#   ./scripts/quickstart.sh          # bring up and apply
#   ./scripts/quickstart.sh down     # destroy, stop the servers, remove their state
#
# MLOPS_QUICKSTART_DIR, MLOPS_MLFLOW_DIR and MLOPS_KUBE_DIR move the state
# (the end-to-end test uses its own). The result is also written, as JSON, to
# $MLOPS_QUICKSTART_DIR/result.json.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
qs="${MLOPS_QUICKSTART_DIR:-$RUN_DIR/quickstart}"
mkdir -p "$qs"
export TF_CLI_CONFIG_FILE="$qs/terraformrc"
export CHECKPOINT_DISABLE=1
terraform="$TOOLS_BIN/terraform"
if [ "${1:-}" != "down" ] || [ ! -x "$terraform" ]; then
  "$ROOT/scripts/install-terraform.sh" >"$qs/install-terraform.log" 2>&1 &
  tf_pid=$!
fi
tf() { "$terraform" -chdir=examples/quickstart "$@" -input=false -no-color -state="$qs/terraform.tfstate" \
  -var "model_source=$(cat "$qs/model_source" 2>/dev/null || echo none)" -var "model_id=$(cat "$qs/model_id" 2>/dev/null || echo none)" \
  -var "argo_server=${MLOPS_ARGO_SERVER:-http://127.0.0.1:2746}"; }

if [ "${1:-}" = "down" ]; then
  if [ -n "${tf_pid:-}" ]; then wait "$tf_pid" || true; fi
  if [ -f "$qs/terraform.tfstate" ] && [ -f "$qs/stack.env" ]; then
    # shellcheck disable=SC1091
    source "$qs/stack.env"
    tf destroy -auto-approve >"$qs/destroy.log" 2>&1 || log "terraform destroy failed (see $qs/destroy.log); removing the stack anyway"
  fi
  "$ROOT/scripts/stack.sh" down
  rm -rf "$qs"
  log "quickstart removed"
  exit 0
fi

start=$(date +%s)
# The slow installs (building Terraform and kube-apiserver, the first time)
# run side by side while pip installs MLflow.
"$ROOT/scripts/install-kube.sh" >"$qs/install-kube.log" 2>&1 &
kube_pid=$!
python="$("$ROOT/scripts/install-mlflow.sh")/python"
wait "$kube_pid" || { cat "$qs/install-kube.log" >&2; die "installing etcd and kube-apiserver failed"; }
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

if [ -n "${tf_pid:-}" ] && ! wait "$tf_pid"; then cat "$qs/install-terraform.log" >&2; die "installing terraform failed"; fi
stack_env=$("$ROOT/scripts/stack.sh" up)
cp "$stack_env" "$qs/stack.env"
# shellcheck disable=SC1091
source "$qs/stack.env"

# Train once; a second run reuses the logged model while the server has it.
if [ ! -f "$qs/model_source" ] || ! wait_http "$MLFLOW_TRACKING_URI/api/2.0/mlflow/logged-models/$(cat "$qs/model_id" 2>/dev/null)" 1; then
  log "training a tiny scikit-learn model and logging it to MLflow"
  "$python" scripts/log_model.py --runs 1 --experiment quickstart --out "$qs/runs.json" >"$qs/train.log" 2>&1 ||
    { cat "$qs/train.log" >&2; die "training failed"; }
  "$python" -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; open(sys.argv[2],"w").write(r["logged_model_uri"]); open(sys.argv[3],"w").write(r["model_id"])' \
    "$qs/runs.json" "$qs/model_source" "$qs/model_id"
fi
log "model logged as $(cat "$qs/model_source")"

log "terraform apply (examples/quickstart)"
tf apply -auto-approve -compact-warnings
log "outputs"
"$terraform" -chdir=examples/quickstart output -no-color -state="$qs/terraform.tfstate"
url=$("$terraform" -chdir=examples/quickstart output -raw -state="$qs/terraform.tfstate" endpoint_url)
model=$("$terraform" -chdir=examples/quickstart output -raw -state="$qs/terraform.tfstate" model)
accuracy=$("$terraform" -chdir=examples/quickstart output -raw -state="$qs/terraform.tfstate" champion_accuracy)
log "the champion passed the promotion gate: accuracy $accuracy on held-out data, as its training logged it (min_accuracy 0.9)"

log "KServe serves the endpoint at $url; sending a prediction request to $url/v2/models/$model/infer"
log "through the development gateway $MLOPS_DEV_GATEWAY, with inputs [[0.9, 0.8], [0.1, 0.2]]"
prediction=$("$python" scripts/predict.py "$url" "$model" "$MLOPS_DEV_GATEWAY")
echo "$prediction"

pipeline=$("$terraform" -chdir=examples/quickstart output -raw -state="$qs/terraform.tfstate" pipeline)
log "running the pipeline $pipeline once now (its schedule runs it nightly) on Argo's controller"
run=$("$python" scripts/run_pipeline.py "$KUBE_CONFIG_PATH" "$MLOPS_NAMESPACE" "$pipeline" 120)
echo "$run"

evaluate=$("$terraform" -chdir=examples/quickstart output -raw -state="$qs/terraform.tfstate" evaluate_pipeline)
log "the feedback loop: registering a retrained version of $model and making it the challenger;"
log "MLflow's webhook tells Argo's server, whose event binding starts the pipeline $evaluate"
loop=$("$python" scripts/feedback_loop.py "$MLFLOW_TRACKING_URI" "$model" "$(cat "$qs/model_source")" "$(cat "$qs/model_id")" challenger \
  "$KUBE_CONFIG_PATH" "$MLOPS_NAMESPACE" "$evaluate" 120)
echo "$loop"

log "checking that a second plan shows no changes"
set +e
tf plan -detailed-exitcode >"$qs/plan.log" 2>&1
rc=$?
set -e
if [ $rc -ne 0 ]; then cat "$qs/plan.log" >&2; die "the second plan is not empty (exit code $rc)"; fi
"$python" -c 'import json,sys; json.dump({"endpoint_url": sys.argv[1], "prediction": json.loads(sys.argv[2]), "pipeline_run": json.loads(sys.argv[3]), "feedback_loop": json.loads(sys.argv[4]), "champion_accuracy": float(sys.argv[5]), "logged": json.load(open(sys.argv[6]))["runs"][0], "second_plan_empty": True}, open(sys.argv[7], "w"))' \
  "$url" "$prediction" "$run" "$loop" "$accuracy" "$qs/runs.json" "$qs/result.json"
log "no changes. Done in $(( $(date +%s) - start ))s. Stop everything with: ./scripts/quickstart.sh down"
