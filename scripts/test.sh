#!/usr/bin/env bash
# Runs every test: formatting and vet, lint (Go and the GitHub workflows),
# unit tests, the docs check, and the acceptance and end-to-end tests
# (TF_ACC=1) against a real MLflow server and a local Kubernetes cluster
# running KServe's and Argo's real controllers on a kwok node
# (scripts/kube-server.sh); the acceptance suite runs twice, with Terraform
# 1.5.7 and with OpenTofu 1.12.6, side by side on servers of their own; then
# the short fault suite (scripts/faults.sh --short) on the Terraform run's
# servers, and the release check (scripts/release-check.sh: a snapshot
# release installed through a filesystem mirror and planned with both). It
# installs what it needs (once, under .tools/: the first run builds the tools
# from the Go module proxy, side by side) and starts and stops the servers.
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
# The builds run side by side (each logs to .run/install-<tool>.log).
declare -A installs=()
for tool in terraform opentofu kube toxiproxy actionlint goreleaser; do
  "$ROOT/scripts/install-$tool.sh" >"$RUN_DIR/install-$tool.log" 2>&1 &
  installs[$tool]=$!
done
"$ROOT/scripts/install-mlflow.sh" >/dev/null
"$ROOT/scripts/install-tfplugindocs.sh" >/dev/null
lint=$("$ROOT/scripts/install-golangci-lint.sh")
for tool in "${!installs[@]}"; do
  if ! wait "${installs[$tool]}"; then cat "$RUN_DIR/install-$tool.log" >&2; die "installing $tool failed"; fi
done
terraform="$TOOLS_BIN/terraform"
tofu="$TOOLS_BIN/tofu"

log "gofmt, go vet"
unformatted=$(gofmt -l $(git ls-files '*.go'))
[ -z "$unformatted" ] || die "gofmt would change: $unformatted"
go vet ./...
log "golangci-lint"
"$lint" run ./...

log "docs check"
"$ROOT/scripts/generate-docs.sh" --check
log "GitHub workflows (actionlint)"
"$ROOT/scripts/lint-workflows.sh"

log "starting the servers: one MLflow and one cluster for each run (fresh state under .run/*-test and .run/*-tofu)"
export CHECKPOINT_DISABLE=1
export MLOPS_TEST_PYTHON="$TOOLS/mlflow/bin/python"
export TF_CLI_CONFIG_FILE="$TOOLS/empty.tfrc"
touch "$TF_CLI_CONFIG_FILE"
stack() { "$ROOT/scripts/stack.sh" --name "$@"; } # stack NAME [--servers LIST] up|stop|down|env
cleanup() {
  stack test stop >/dev/null 2>&1 || true
  stack tofu stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
stack test down
stack tofu down
cli=${MLOPS_TEST_CLI:-both}
test_servers=""
if [ "$cli" != opentofu ]; then
  stack test --servers mlflow,kube up >"$RUN_DIR/servers-test.log" 2>&1 &
  test_servers=$!
fi
if [ "$cli" != terraform ]; then
  stack tofu --mlflow-auth --servers mlflow,kube up >"$RUN_DIR/servers-tofu.log" 2>&1 || { cat "$RUN_DIR/servers-tofu.log" >&2; die "starting the OpenTofu run's servers failed"; }
fi
if [ -n "$test_servers" ]; then
  wait "$test_servers" || { cat "$RUN_DIR/servers-test.log" >&2; die "starting the Terraform run's servers failed"; }
fi

# acceptance NAME TERRAFORM_BINARY [go test arguments] runs the tests in a
# subshell with the environment of NAME's servers and that binary.
acceptance() {
  local name=$1 bin=$2
  shift 2
  (
    export MLOPS_MLFLOW_DIR="$RUN_DIR/mlflow-$name" MLOPS_KUBE_DIR="$RUN_DIR/kube-$name"
    eval "$(stack "$name" env)"
    export TF_ACC=1 TF_ACC_TERRAFORM_PATH="$bin"
    go test -count=1 -parallel 4 -timeout 40m "$@"
  )
}

# MLOPS_TEST_CLI=terraform or opentofu runs only that CLI's run (the GitHub
# workflow's matrix); unset, both run.
case "$cli" in both | terraform | opentofu) ;; *) die "MLOPS_TEST_CLI must be terraform or opentofu, not $cli" ;; esac
log "unit and acceptance tests: Terraform 1.5.7 (everything) and OpenTofu 1.12.6 (the acceptance suites), side by side ($cli)"
# With OpenTofu, the in-process provider is registry.opentofu.org/hashicorp/mlops
# (OpenTofu's default registry host). Tests of what Terraform 1.5.7 lacks
# (resource identity, write-only attributes in configuration) run with
# OpenTofu only, so neither run skips a test. The OpenTofu run's MLflow runs
# MLflow's authentication app (the provider authenticates as its admin), so
# every registry test runs against an authenticated server too, and the
# tests that need the app (*_mlflowAuth) run there only.
tofu_only='_identity$|_writeOnlyConfig$|_mlflowAuth$'
rc=0 tofu_rc=0
set +e
if [ "$cli" != terraform ]; then
  TF_ACC_PROVIDER_HOST=registry.opentofu.org acceptance tofu "$tofu" ./internal/... ./test/gitops/... "$@" >"$RUN_DIR/test-tofu.log" 2>&1 &
  tofu_pid=$!
fi
if [ "$cli" != opentofu ]; then
  acceptance test "$terraform" ./... -skip "$tofu_only" "$@"
  rc=$?
fi
if [ "$cli" != terraform ]; then
  wait "$tofu_pid"
  tofu_rc=$?
  cat "$RUN_DIR/test-tofu.log" >&2
fi
set -e
if [ $tofu_rc -ne 0 ]; then
  log "the OpenTofu run failed (above); its servers' logs: $RUN_DIR/mlflow-tofu/server.log, $RUN_DIR/kube-tofu/*.log"
fi
if [ $rc -ne 0 ]; then
  log "the Terraform run failed; its servers' logs: $RUN_DIR/mlflow-test/server.log, $RUN_DIR/kube-test/*.log (one per component)"
fi
[ $rc -eq 0 ] && [ $tofu_rc -eq 0 ] || exit 1
stack tofu stop >/dev/null 2>&1 || true

if [ $# -eq 0 ] && [ "$cli" != opentofu ]; then
  log "the release: a snapshot built by GoReleaser, installed through a filesystem mirror, planned with Terraform and OpenTofu"
  "$ROOT/scripts/release-check.sh"
  log "fault suite, short (on the Terraform run's servers, which it kills and restarts)"
  MLOPS_MLFLOW_DIR="$RUN_DIR/mlflow-test" MLOPS_KUBE_DIR="$RUN_DIR/kube-test" "$ROOT/scripts/faults.sh" --reuse --short
fi
log "all tests passed in $(( $(date +%s) - start ))s"
