#!/usr/bin/env bash
# Formats the examples and generates docs/ from the provider's schemas with
# tfplugindocs. With --check, fails when the committed docs differ from
# what the schemas give (run by scripts/test.sh).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
terraform=$("$ROOT/scripts/install-terraform.sh")
tfplugindocs=$("$ROOT/scripts/install-tfplugindocs.sh")
export TF_CLI_CONFIG_FILE="${TF_CLI_CONFIG_FILE:-$TOOLS/empty.tfrc}"
touch "$TOOLS/empty.tfrc"
"$terraform" fmt -recursive examples/ >/dev/null
# tfplugindocs finds Terraform on PATH (.tools/bin first).
PATH="$(dirname "$terraform"):$PATH" "$tfplugindocs" generate --provider-name mlops >&2
if [ "${1:-}" = "--check" ]; then
  if ! git diff --exit-code -- docs examples >&2 || [ -n "$(git status --porcelain -- docs examples)" ]; then
    die "docs/ or examples/ differ from what the schemas and terraform fmt give: run scripts/generate-docs.sh and commit the result"
  fi
  log "docs/ match the schemas"
fi
