// Command measure stands in for the provider's binary in the load bench's
// dev_overrides folder: Terraform starts it as it would start the provider,
// it runs the real provider (BENCH_PROVIDER_BIN) as its child with the same
// arguments, standard streams and environment, and when the child exits it
// appends one JSON line to BENCH_MEASURE_LOG: the child's peak resident
// memory (the kernel's ru_maxrss, in KiB) and CPU seconds. Terraform starts
// the provider a few times per command (schemas, validation, the walk); the
// bench sums their CPU and takes the largest peak.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

type record struct {
	PID       int     `json:"pid"`
	MaxRSSKiB int64   `json:"max_rss_kib"`
	CPUSecs   float64 `json:"cpu_s"`
	WallSecs  float64 `json:"wall_s"`
	ExitCode  int     `json:"exit_code"`
}

func main() {
	bin := os.Getenv("BENCH_PROVIDER_BIN")
	if bin == "" {
		fmt.Fprintln(os.Stderr, "measure: BENCH_PROVIDER_BIN is not set")
		os.Exit(2)
	}
	cmd := exec.Command(bin, os.Args[1:]...) //nolint:gosec // the bench names the binary
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(2)
	}
	// Terraform stops a provider through the plugin protocol; signals sent
	// to this process go on to the provider.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	_ = cmd.Wait()
	rec := record{PID: cmd.Process.Pid, WallSecs: time.Since(start).Seconds(), ExitCode: cmd.ProcessState.ExitCode()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rec.MaxRSSKiB = ru.Maxrss
		rec.CPUSecs = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	if path := os.Getenv("BENCH_MEASURE_LOG"); path != "" {
		if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			line, _ := json.Marshal(rec)
			_, _ = f.Write(append(line, '\n'))
			_ = f.Close()
		}
	}
	os.Exit(rec.ExitCode)
}
