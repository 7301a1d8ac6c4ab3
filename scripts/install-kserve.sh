#!/usr/bin/env bash
# Installs KServe's controller manager (github.com/kserve/kserve/cmd/manager,
# pinned in tools/kserve) into .tools/bin as kserve-manager.
source "$(dirname "$0")/lib.sh"
build_wrapper kserve github.com/kserve/kserve/cmd/manager=kserve-manager
