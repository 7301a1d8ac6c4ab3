#!/usr/bin/env bash
# Runs every test: formatting and vet, lint, unit tests, the docs check, and
# the acceptance and end-to-end tests (TF_ACC=1) against a real MLflow
# server and a local Kubernetes cluster running KServe's and Argo's real
# controllers on a kwok node (scripts/kube-server.sh), which this script
# installs (once, under .tools/: the first run builds the tools from the Go
# module proxy, side by side) and starts and stops itself.
#
#   ./scripts/test.sh            # everything
#   ./scripts/test.sh -run Alias # only tests matching a pattern (passed to go test)
#
# Logs of the servers are kept under .run/ when a test fails.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
start=$(date +%s)

log "installing tools (cached under .tools/ after the first run)"
# Terraform is built from source (a few minutes the first time): do it while
# pip installs MLflow.
"$ROOT/scripts/install-terraform.sh" >"$RUN_DIR/install-terraform.log" 2>&1 &
tf_pid=$!
"$ROOT/scripts/install-kube.sh" >"$RUN_DIR/install-kube.log" 2>&1 &
kube_pid=$!
"$ROOT/scripts/install-mlflow.sh" >/dev/null
"$ROOT/scripts/install-tfplugindocs.sh" >/dev/null
lint=$("$ROOT/scripts/install-golangci-lint.sh")
if ! wait "$tf_pid"; then cat "$RUN_DIR/install-terraform.log" >&2; die "installing terraform failed"; fi
if ! wait "$kube_pid"; then cat "$RUN_DIR/install-kube.log" >&2; die "installing the local cluster's tools failed"; fi
terraform="$TOOLS_BIN/terraform"

log "gofmt, go vet"
unformatted=$(gofmt -l $(git ls-files '*.go'))
[ -z "$unformatted" ] || die "gofmt would change: $unformatted"
go vet ./...
log "golangci-lint"
"$lint" run ./...

log "docs check"
"$ROOT/scripts/generate-docs.sh" --check

log "starting the servers (fresh state under .run/*-test)"
export MLOPS_MLFLOW_DIR="$RUN_DIR/mlflow-test"
export MLOPS_KUBE_DIR="$RUN_DIR/kube-test"
cleanup() {
  "$ROOT/scripts/mlflow-server.sh" stop || true
  "$ROOT/scripts/kube-server.sh" stop || true
}
trap cleanup EXIT
"$ROOT/scripts/mlflow-server.sh" clean
"$ROOT/scripts/kube-server.sh" clean
"$ROOT/scripts/mlflow-server.sh" start
"$ROOT/scripts/kube-server.sh" start
# shellcheck disable=SC1091
source "$MLOPS_MLFLOW_DIR/env"
# shellcheck disable=SC1091
source "$MLOPS_KUBE_DIR/env"

export TF_ACC=1
export TF_ACC_TERRAFORM_PATH="$terraform"
export TF_CLI_CONFIG_FILE="$TOOLS/empty.tfrc"
touch "$TF_CLI_CONFIG_FILE"
export MLOPS_TEST_PYTHON="$TOOLS/mlflow/bin/python"
export CHECKPOINT_DISABLE=1

log "unit and acceptance tests"
set +e
go test ./... -count=1 -parallel 4 -timeout 40m "$@"
rc=$?
set -e
if [ $rc -ne 0 ]; then
  log "tests failed; server logs: $MLOPS_MLFLOW_DIR/server.log, $MLOPS_KUBE_DIR/*.log (one per component)"
  exit $rc
fi
log "all tests passed in $(( $(date +%s) - start ))s"
