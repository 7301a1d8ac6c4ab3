// Package profiling gives the benches' provider binaries CPU and
// allocation profiles: when MLOPS_BENCH_PROFILE_DIR is set, each process
// writes cpu-<pid>.pprof and allocs-<pid>.pprof there when it stops, and,
// every MLOPS_BENCH_HEAP_EVERY (a duration such as 2s) if set,
// heap-<pid>-<n>.pprof (the live heap then; the largest shows what the peak
// memory holds).
package profiling

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"
)

// Start starts the profiles MLOPS_BENCH_PROFILE_DIR asks for; the function
// it returns stops them and writes the allocation profile.
func Start() (stop func()) {
	dir := os.Getenv("MLOPS_BENCH_PROFILE_DIR")
	if dir == "" {
		return func() {}
	}
	name := func(kind string) string { return filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", kind, os.Getpid())) }
	f, err := os.Create(name("cpu"))
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	if every, perr := time.ParseDuration(os.Getenv("MLOPS_BENCH_HEAP_EVERY")); perr == nil && every > 0 {
		go writeHeaps(name, every)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
		if a, aerr := os.Create(name("allocs")); aerr == nil {
			_ = pprof.Lookup("allocs").WriteTo(a, 0)
			_ = a.Close()
		}
	}
}

func writeHeaps(name func(string) string, every time.Duration) {
	for n := 1; ; n++ {
		time.Sleep(every)
		if f, err := os.Create(name(fmt.Sprintf("heap-%d", n))); err == nil {
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			_ = f.Close()
		}
	}
}
