package mlflow

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// createCheckAttempts bounds how often a checked create is sent when each
// answer is lost and nothing was created.
const createCheckAttempts = 3

// createClockSkew is how far the server's clock may be behind the
// provider's when telling an object made by this create from older ones.
const createClockSkew = 30 * time.Second

// AmbiguousCreateError is a create whose answer was lost (IsAmbiguous) and
// whose effect could not be settled: either several objects match what was
// sent (Candidates, their versions or IDs), or the search for them failed
// (SearchErr). Kind names the object ("version", "webhook").
type AmbiguousCreateError struct {
	Kind       string
	Err        error
	Candidates []string
	SearchErr  error
}

func (e *AmbiguousCreateError) Error() string {
	if e.SearchErr != nil {
		return fmt.Sprintf("%v; whether the %s was created is unknown: looking for it failed: %v", e.Err, e.Kind, e.SearchErr)
	}
	return fmt.Sprintf("%v; the %s may have been created: %ss %s match what was sent", e.Err, e.Kind, e.Kind, strings.Join(e.Candidates, ", "))
}
func (e *AmbiguousCreateError) Unwrap() error { return e.Err }

// checkedCreate is a create that is not idempotent, with how to find what
// it made when its answer is lost.
type checkedCreate[T any] struct {
	kind   string
	create func(context.Context) (*T, error)
	// look returns the objects that this create may have made: those made
	// since `since` (server time, ms) that match what was sent.
	look func(ctx context.Context, since int64) ([]T, error)
	id   func(T) string
}

// run sends the create, but when the answer is lost (the connection broke
// after the request was sent, or a proxy answered 500/502/504) it looks
// before it reports failure: the one object that matches is the one it
// made, and is returned with recovered set. When none is found the create
// is sent again (at most createCheckAttempts times in all); when several
// are found, an AmbiguousCreateError lists them. The look outlasts a server
// restart (until ctx ends).
func (cc checkedCreate[T]) run(ctx context.Context, c *Client) (made *T, recovered bool, err error) {
	since := time.Now().Add(-createClockSkew).UnixMilli()
	for attempt := 1; ; attempt++ {
		made, err := cc.create(ctx)
		if err == nil || !IsAmbiguous(err) {
			return made, false, err
		}
		// Let a request the server did receive finish, then look.
		if serr := c.sleep(ctx, time.Second); serr != nil {
			return nil, false, &AmbiguousCreateError{Kind: cc.kind, Err: err, SearchErr: serr}
		}
		var found []T
		serr := c.untilDeadline(ctx, func() error {
			var err error
			found, err = cc.look(ctx, since)
			return err
		})
		switch {
		case serr != nil:
			return nil, false, &AmbiguousCreateError{Kind: cc.kind, Err: err, SearchErr: serr}
		case len(found) == 1:
			return &found[0], true, nil
		case len(found) > 1:
			ids := make([]string, len(found))
			for i, f := range found {
				ids[i] = cc.id(f)
			}
			return nil, false, &AmbiguousCreateError{Kind: cc.kind, Err: err, Candidates: ids}
		case attempt >= createCheckAttempts:
			return nil, false, err // not created, and out of attempts
		}
	}
}
