package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

type hinted struct{ d time.Duration }

func (h hinted) Error() string             { return "busy" }
func (h hinted) RetryAfter() time.Duration { return h.d }

func TestWaitDoublesUpToMax(t *testing.T) {
	p := Policy{First: 100 * time.Millisecond, Max: time.Second}
	var got []time.Duration
	for n := range 6 {
		got = append(got, p.Wait(n))
	}
	want := []int64{100, 200, 400, 800, 1000, 1000}
	for i := range want {
		if got[i] != time.Duration(want[i])*time.Millisecond {
			t.Fatalf("waits %v", got)
		}
	}
	j := Policy{First: time.Second, Jitter: true}
	for range 50 {
		if w := j.Wait(3); w < 500*time.Millisecond || w > time.Second {
			t.Fatalf("jittered wait %v outside the upper half of 1s", w)
		}
	}
}

func TestDoStopsAtEachLimit(t *testing.T) {
	var waits []time.Duration
	p := Policy{First: time.Millisecond, Max: 4 * time.Millisecond, Tries: 4,
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	calls := 0
	_, err := Do(context.Background(), p, Always, func() (int, error) { calls++; return 0, errors.New("down") })
	if calls != 4 || len(waits) != 3 || err == nil {
		t.Fatalf("Tries = 4: %d calls, waits %v, err %v", calls, waits, err)
	}
	// An error that again refuses ends the tries at once.
	calls = 0
	_, err = Do(context.Background(), p, func(error) bool { return false }, func() (int, error) { calls++; return 0, errors.New("refused") })
	if calls != 1 || err == nil {
		t.Fatalf("refused: %d calls", calls)
	}
	// A hint replaces the backoff, capped at Max.
	waits = nil
	calls = 0
	v, err := Do(context.Background(), p, Always, func() (int, error) {
		calls++
		if calls < 3 {
			return 0, hinted{time.Hour}
		}
		return 7, nil
	})
	if v != 7 || err != nil || len(waits) != 2 || waits[0] != 4*time.Millisecond {
		t.Fatalf("hinted: %v %v %v", v, err, waits)
	}
	// For: no wait starts past it.
	calls = 0
	_, err = Do(context.Background(), Policy{First: time.Hour, For: time.Minute}, Always, func() (int, error) { calls++; return 0, ErrNotYet })
	if calls != 1 || !errors.Is(err, ErrNotYet) {
		t.Fatalf("For: %d calls, %v", calls, err)
	}
}

func TestDoEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := Do(ctx, Policy{First: time.Millisecond, Max: 5 * time.Millisecond}, Always, func() (int, error) { return 0, errors.New("down") })
	if err == nil || err.Error() != "down" || ctx.Err() == nil {
		t.Fatalf("the last try's error when ctx ends: %v", err)
	}
	if Sleep(ctx, time.Hour) == nil {
		t.Fatal("Sleep outlived its context")
	}
}
