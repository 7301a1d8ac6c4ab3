package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/provider"
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

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         "registry.terraform.io/mlopsprovider/mlops",
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
