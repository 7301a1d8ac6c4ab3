#!/usr/bin/env bash
# Installs toxiproxy (github.com/Shopify/toxiproxy/v2 v2.12.0, pinned in the
# wrapper module tools/toxiproxy) into .tools/bin, for the fault suite
# (scripts/faults.sh):
#   toxiproxy      toxiproxy's server with the project's two HTTP status toxics
#                  (tools/toxiproxy/httpstatus.go) registered beside the built-in ones;
#   toxiproxy-cli  toxiproxy's own command-line client, to poke at it by hand.
source "$(dirname "$0")/lib.sh"
build_wrapper toxiproxy .=toxiproxy github.com/Shopify/toxiproxy/v2/cmd/cli=toxiproxy-cli
echo "$TOOLS_BIN/toxiproxy"
