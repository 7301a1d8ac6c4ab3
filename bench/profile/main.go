// Command profile is the provider, served as main.go serves it (the
// protocol wrapper around the framework's server), with CPU and
// allocation profiles: when MLOPS_BENCH_PROFILE_DIR is set, each process
// writes cpu-<pid>.pprof and allocs-<pid>.pprof there when Terraform stops
// it, and, every MLOPS_BENCH_HEAP_EVERY (a duration such as 2s) if set,
// heap-<pid>-<n>.pprof (the live heap then; the largest shows what the
// peak memory holds). The load bench runs it in place of the provider (BENCH_PROFILE=1) to
// see where a plan's time goes; its measurements use the provider's own
// binary.
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/protocol"
)

func main() {
	dir := os.Getenv("MLOPS_BENCH_PROFILE_DIR")
	name := func(kind string) string { return filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", kind, os.Getpid())) }
	if dir != "" {
		f, err := os.Create(name("cpu"))
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
	}
	if every, perr := time.ParseDuration(os.Getenv("MLOPS_BENCH_HEAP_EVERY")); dir != "" && perr == nil && every > 0 {
		go func() {
			for n := 1; ; n++ {
				time.Sleep(every)
				if f, ferr := os.Create(name(fmt.Sprintf("heap-%d", n))); ferr == nil {
					_ = pprof.Lookup("heap").WriteTo(f, 0)
					_ = f.Close()
				}
			}
		}()
	}
	// The shipped server: the framework's behind the protocol wrapper, as
	// main.go serves it.
	protocol.QuietUnreadSDKLogs()
	protocol.TuneGC()
	server, err := protocol.NewServer("bench")()
	if err == nil {
		err = tf6server.Serve("registry.terraform.io/mlopsprovider/mlops", func() tfprotov6.ProviderServer { return server })
	}
	if dir != "" {
		pprof.StopCPUProfile()
		if f, ferr := os.Create(name("allocs")); ferr == nil {
			_ = pprof.Lookup("allocs").WriteTo(f, 0)
			_ = f.Close()
		}
	}
	if err != nil {
		log.Fatal(err.Error())
	}
}
