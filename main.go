package main

import (
	"flag"
	"log"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

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

	quietUnreadSDKLogs()
	server, err := provider.NewServer(version)()
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

// quietUnreadSDKLogs turns the plugin SDK's own logs (the protocol's and the
// framework's, at TRACE by default) off when no one asked for logs: Terraform
// reads every line a provider writes and throws them away unless TF_LOG or
// TF_LOG_PROVIDER is set, and for a 1000-endpoint plan that was about 40% of
// the time (bench/load.sh). Any of those variables, or an explicit
// TF_LOG_SDK*, leaves the logs as they are.
func quietUnreadSDKLogs() {
	for _, v := range os.Environ() {
		name, _, _ := strings.Cut(v, "=")
		if name == "TF_LOG" || strings.HasPrefix(name, "TF_LOG_PROVIDER") || strings.HasPrefix(name, "TF_LOG_SDK") {
			return
		}
	}
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"} {
		_ = os.Setenv(name, "off")
	}
}
