#!/usr/bin/env bash
# Installs Argo Workflows v3.7.18 into .tools/bin:
#   workflow-controller  from the wrapper module tools/argo (Argo's go.mod has
#                        a replace directive, which tools/argo repeats);
#   argo                 the CLI, whose `argo server` turns registry events into
#                        runs (WorkflowEventBinding). Its UI is embedded from
#                        ui/dist/app, which the module zip lacks, so it is built
#                        in a copy of the module with an empty placeholder page,
#                        as Argo's own Makefile does.
source "$(dirname "$0")/lib.sh"
build_wrapper argo github.com/argoproj/argo-workflows/v3/cmd/workflow-controller=workflow-controller
stamp="$TOOLS/.argo-cli-$ARGO_VERSION"
if [ -x "$TOOLS_BIN/argo" ] && [ -f "$stamp" ]; then exit 0; fi
log "building argo (the server) $ARGO_VERSION from a copy of its module (a few minutes, once)"
src=$(module_dir "github.com/argoproj/argo-workflows/v3@$ARGO_VERSION")
copy="$TOOLS/src/argo-workflows-$ARGO_VERSION"
rm -rf "$copy"
mkdir -p "$(dirname "$copy")"
cp -r "$src" "$copy"
chmod -R u+w "$copy"
mkdir -p "$copy/ui/dist/app"
echo "Argo's UI is not built here (local test infrastructure)." >"$copy/ui/dist/app/index.html"
(cd "$copy" && go build -o "$TOOLS_BIN/argo" ./cmd/argo) >&2
rm -rf "$copy"
touch "$stamp"
