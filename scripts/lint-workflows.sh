#!/usr/bin/env bash
# Lints the GitHub Actions workflows with actionlint: the project's own
# (.github/workflows) and the GitOps example's
# (examples/gitops/.github/workflows). Fails on any finding. Quiet when clean.
#
# actionlint checks the workflow syntax, expressions and their types, job
# dependencies, action inputs, runner labels and cron schedules. It also
# lints every `run:` script with shellcheck when that is on PATH; without it
# (as on a fresh machine) the rest of the checks still run.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
actionlint=$("$ROOT/scripts/install-actionlint.sh")
shopt -s nullglob
files=(.github/workflows/*.yml .github/workflows/*.yaml examples/gitops/.github/workflows/*.yml examples/gitops/.github/workflows/*.yaml)
[ ${#files[@]} -gt 0 ] || die "no workflow files found"
args=(-no-color -pyflakes=)
if ! command -v shellcheck >/dev/null; then args+=(-shellcheck=); fi
if ! "$actionlint" "${args[@]}" "${files[@]}"; then
  die "actionlint found problems in the workflows above"
fi
