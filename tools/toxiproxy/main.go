// Command toxiproxy is TEST INFRASTRUCTURE, not part of the provider: Shopify's
// toxiproxy server (github.com/Shopify/toxiproxy/v2, built from the Go module
// proxy) with two toxics of the project's own registered beside the built-in
// ones (latency, reset_peer, timeout, slicer, limit_data, ...):
//
//	http_status        (stream "upstream") answers the first `count` HTTP
//	                   requests with `status` (429, 503, ...) and Retry-After
//	http_status_reply  (stream "downstream") its other half; add both
//
// scripts/faults.sh starts it in front of MLflow and kube-apiserver and drives
// it through its HTTP API.
//
//	toxiproxy -host 127.0.0.1 -port 8474
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/Shopify/toxiproxy/v2"
	"github.com/Shopify/toxiproxy/v2/toxics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

func main() {
	host := flag.String("host", "127.0.0.1", "address of toxiproxy's API")
	port := flag.String("port", "8474", "port of toxiproxy's API")
	config := flag.String("config", "", "JSON file of proxies to create at start")
	version := flag.Bool("version", false, "print the version")
	flag.Parse()
	if *version {
		fmt.Printf("toxiproxy %s, with the toxics http_status and http_status_reply\n", upstreamVersion())
		return
	}

	toxics.Register("http_status", new(HTTPStatusToxic))
	toxics.Register("http_status_reply", new(HTTPStatusReplyToxic))

	level := zerolog.InfoLevel
	if v, err := zerolog.ParseLevel(os.Getenv("LOG_LEVEL")); err == nil && v != zerolog.NoLevel {
		level = v
	}
	logger := zerolog.New(os.Stderr).Level(level).With().Timestamp().Logger()
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), logger)
	if *config != "" {
		server.PopulateConfig(*config)
	}

	errs := make(chan error, 1)
	go func() { errs <- server.Listen(net.JoinHostPort(*host, *port)) }()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	select {
	case err := <-errs:
		fmt.Fprintf(os.Stderr, "toxiproxy: %v\n", err)
		os.Exit(1)
	case <-signals:
		if err := server.Shutdown(); err != nil {
			fmt.Fprintf(os.Stderr, "toxiproxy: shutdown: %v\n", err)
		}
	}
}

// upstreamVersion is the version of toxiproxy's module this was built with.
func upstreamVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/Shopify/toxiproxy/v2" {
				return dep.Version
			}
		}
	}
	return toxiproxy.Version
}
