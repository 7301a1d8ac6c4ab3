#!/usr/bin/env bash
# Installs Argo Workflows' workflow-controller
# (github.com/argoproj/argo-workflows/v3/cmd/workflow-controller, pinned in
# tools/argo) into .tools/bin.
source "$(dirname "$0")/lib.sh"
build_wrapper argo github.com/argoproj/argo-workflows/v3/cmd/workflow-controller=workflow-controller
