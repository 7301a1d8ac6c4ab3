// Command profile is the provider, served as main.go serves it (the
// protocol wrapper around the framework's server), with the profiles
// bench/internal/profiling writes when MLOPS_BENCH_PROFILE_DIR is set. The
// load bench runs it in place of the provider (BENCH_PROFILE=1) to see where
// a plan's time goes; its measurements use the provider's own binary.
package main

import (
	"log"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/mlopsprovider/terraform-provider-mlops/bench/internal/profiling"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/protocol"
)

func main() {
	stop := profiling.Start()
	// The shipped server: the framework's behind the protocol wrapper, as
	// main.go serves it.
	protocol.QuietUnreadSDKLogs()
	protocol.TuneGC()
	server, err := protocol.NewServer("bench")()
	if err == nil {
		err = tf6server.Serve("registry.terraform.io/mlopsprovider/mlops", func() tfprotov6.ProviderServer { return server })
	}
	stop()
	if err != nil {
		log.Fatal(err.Error())
	}
}
