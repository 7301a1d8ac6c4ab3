package main

import (
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/protocol"
)

// Run "go generate" (or "make generate") to format the examples and
// generate docs/ from the schemas.
//go:generate bash scripts/generate-docs.sh

// version is set by the release build (goreleaser) through ldflags.
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider in debug mode, for debuggers such as delve")
	flag.Parse()

	protocol.QuietUnreadSDKLogs()
	protocol.TuneGC()
	server, err := protocol.NewServer(version)()
	if err != nil {
		log.Fatal(err.Error())
	}
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	err = tf6server.Serve("registry.terraform.io/mlopsprovider/mlops", func() tfprotov6.ProviderServer { return server }, opts...)
	if err != nil {
		log.Fatal(err.Error())
	}
}
