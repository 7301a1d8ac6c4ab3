package protocol

import (
	"runtime/debug"
	"testing"
)

// TuneGC sets the provider's GOGC, unless the user set GOGC or GOMEMLIMIT.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	debug.SetGCPercent(100)
	TuneGC()
	if got := debug.SetGCPercent(100); got != providerGCPercent {
		t.Fatalf("GOGC %d, want %d", got, providerGCPercent)
	}
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Setenv(env, "150")
		TuneGC()
		if got := debug.SetGCPercent(100); got != 100 {
			t.Fatalf("%s set: GOGC changed to %d", env, got)
		}
		t.Setenv(env, "")
	}
}
