package protocol

import (
	"os"
	"runtime/debug"
)

// providerGCPercent is the garbage collector's GOGC for the provider's
// process. A call's data is garbage when it returns, so the live heap is a
// few megabytes (Terraform's parallelism of calls), whatever the size of the
// state, while each call of a no-op plan allocates about 5 MB: at Go's
// default of 100 the collector ran every few calls and took about a quarter
// of the provider's CPU. At 300 the heap may grow to four times the live
// data before a collection: a no-op plan of 1000 endpoints used about 20%
// less provider CPU at a peak of about 75 MB (bench/load.sh).
const providerGCPercent = 300

// TuneGC sets the collector's GOGC to providerGCPercent unless GOGC or
// GOMEMLIMIT is set, which then rule as usual. main.go and the profiling
// bench call it before serving.
func TuneGC() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(providerGCPercent)
}
