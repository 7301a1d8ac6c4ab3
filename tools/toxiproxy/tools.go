//go:build tools

// This file pins toxiproxy's own command-line client (toxiproxy-cli) in this
// module, so that scripts/install-toxiproxy.sh can build it beside the server.
package main

import (
	_ "github.com/Shopify/toxiproxy/v2/cmd/cli"
)
