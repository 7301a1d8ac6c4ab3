#!/usr/bin/env bash
# Installs a pinned MLflow (with its `auth` extra, for the authentication
# app the registry suite also runs against) and scikit-learn into a venv
# under .tools/mlflow.
# Prints the venv's bin directory. Does nothing when the pinned versions are there.
source "$(dirname "$0")/lib.sh"
venv="$TOOLS/mlflow"
stamp="$venv/.installed-$MLFLOW_VERSION-auth-$SKLEARN_VERSION"
if [ -f "$stamp" ]; then echo "$venv/bin"; exit 0; fi
log "installing mlflow[auth] $MLFLOW_VERSION and scikit-learn $SKLEARN_VERSION into $venv (once)"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "mlflow[auth]==$MLFLOW_VERSION" "scikit-learn==$SKLEARN_VERSION" >&2
touch "$stamp"
echo "$venv/bin"
