// Package retry is the provider's one way to wait and try again: a sleep
// that ends with its context, and a bounded loop of tries with exponential
// backoff, a cap on each wait, and limits on tries and total time. Every
// retry loop and poll of the provider uses it, so that no other package
// holds a timer.
//
// It imports none of the provider's packages (the bottom floor).
package retry

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Sleep waits d, or until ctx ends, and then returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Policy says how long to wait between tries, and when to stop trying.
type Policy struct {
	// First is the wait after the first failed try; each next wait doubles,
	// up to Max (First when Max is not set).
	First, Max time.Duration
	// Jitter draws each wait at random from its upper half, so that clients
	// that failed together do not retry together.
	Jitter bool
	// Tries bounds the tries in all (0: no bound); For bounds the time since
	// the first try after which no new wait starts (0: only ctx bounds it).
	Tries int
	For   time.Duration
	// Sleep replaces Sleep (tests count the waits with it).
	Sleep func(context.Context, time.Duration) error
	// OnRetry, when set, is told of each wait before it starts (for logs).
	OnRetry func(try int, wait time.Duration, err error)
}

// Wait is the wait after failed try number try (0 for the first try).
func (p Policy) Wait(try int) time.Duration {
	limit := p.Max
	if limit <= 0 {
		limit = p.First
	}
	d := p.First << min(try, 30)
	if d <= 0 || d > limit {
		d = limit
	}
	if p.Jitter && d > 1 {
		half := d / 2
		d = half + time.Duration(rand.Int64N(int64(half)+1))
	}
	return d
}

// Hinted is an error that says how long to wait before the next try, such
// as an HTTP answer with Retry-After; the wait is then that, capped at Max.
type Hinted interface{ RetryAfter() time.Duration }

// ErrNotYet is what a poll's try returns while what it waits for has not
// happened: Do tries again, and when the tries end, the caller knows it was
// still waiting.
var ErrNotYet = errors.New("not yet")

// Do calls try until it succeeds, or fails with an error that again does
// not accept, or the policy's limits or ctx end the tries. It returns the
// last try's result, also when ctx ended a wait (the caller that needs to
// tell asks ctx.Err()).
func Do[T any](ctx context.Context, p Policy, again func(error) bool, try func() (T, error)) (T, error) {
	sleep := p.Sleep
	if sleep == nil {
		sleep = Sleep
	}
	start := time.Now()
	for n := 0; ; n++ {
		v, err := try()
		if err == nil || !again(err) || (p.Tries > 0 && n+1 >= p.Tries) {
			return v, err
		}
		wait := p.Wait(n)
		var h Hinted
		if errors.As(err, &h) && h.RetryAfter() > 0 {
			wait = min(h.RetryAfter(), max(p.Max, p.First))
		}
		if p.For > 0 && time.Since(start)+wait > p.For {
			return v, err
		}
		if p.OnRetry != nil {
			p.OnRetry(n, wait, err)
		}
		if sleep(ctx, wait) != nil {
			return v, err
		}
	}
}

// Always is an again that retries every error.
func Always(error) bool { return true }
