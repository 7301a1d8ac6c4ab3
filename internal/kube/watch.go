package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"

	retrypkg "github.com/mlopsprovider/terraform-provider-mlops/internal/retry"
)

// Query names a set of objects to watch: one resource in one namespace,
// narrowed by label and field selectors.
type Query struct {
	GVR           schema.GroupVersionResource
	Namespace     string
	LabelSelector string
	FieldSelector string
}

// Named is the query of one object.
func Named(gvr schema.GroupVersionResource, namespace, name string) Query {
	return Query{GVR: gvr, Namespace: namespace, FieldSelector: "metadata.name=" + name}
}

// Snapshot holds, for each query of a Watch, the objects it matches now,
// by name.
type Snapshot []map[string]*unstructured.Unstructured

// One returns the object of query i named name, or nil.
func (s Snapshot) One(i int, name string) *unstructured.Unstructured { return s[i][name] }

// Read lists each query once: what they match now, without a watch. Like
// Get, it retries transient failures (a LIST is idempotent).
func (c *Client) Read(ctx context.Context, queries []Query) (Snapshot, error) {
	snap := make(Snapshot, len(queries))
	for i, q := range queries {
		list, err := retry(ctx, func() (*unstructured.UnstructuredList, error) {
			return c.resource(q.GVR, q.Namespace).List(ctx, metav1.ListOptions{LabelSelector: q.LabelSelector, FieldSelector: q.FieldSelector})
		})
		if err != nil {
			return nil, err
		}
		snap[i] = make(map[string]*unstructured.Unstructured, len(list.Items))
		for j := range list.Items {
			snap[i][list.Items[j].GetName()] = &list.Items[j]
		}
	}
	return snap, nil
}

// Watch lists and watches each query and calls eval with what they match
// after every change (and once at the start), until eval says done, eval
// fails, or ctx ends. Each query is read with one LIST and then watched
// from its resource version, so a wait costs a few requests however long
// it lasts. A watch that closes is resumed; a request that fails because
// the API server cannot be reached (a restart, a dropped connection) or
// answers 429/5xx is retried with backoff within ctx, so a wait survives an
// API server restart. Other errors end the wait.
func (c *Client) Watch(ctx context.Context, queries []Query, eval func(Snapshot) (bool, error)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	updates := make(chan watchUpdate, 64)
	var unreachable lastFailure // the transient failure not yet followed by a success
	for i, q := range queries {
		f := follower{c: c, ctx: ctx, i: i, q: q, updates: updates, unreachable: &unreachable}
		go f.run()
	}
	snap := make(Snapshot, len(queries))
	for i := range snap {
		snap[i] = map[string]*unstructured.Unstructured{}
	}
	listed := make([]bool, len(queries))
	pending := len(queries) // queries not listed yet
	for {
		select {
		case <-ctx.Done():
			if since, err := unreachable.get(); err != nil {
				return &UnreachableError{Err: err, Since: since, cause: ctx.Err()}
			}
			return ctx.Err()
		case u := <-updates:
			if u.err != nil {
				return u.err
			}
			if snap.apply(u) && !listed[u.i] {
				listed[u.i] = true
				pending--
			}
			if pending > 0 || len(updates) > 0 {
				continue // evaluate once every query is listed and the burst is read
			}
			if done, err := eval(snap); done || err != nil {
				return err
			}
		}
	}
}

// watchUpdate is what a follower sends: a fresh LIST of query i (which
// replaces its objects), one event, or the error that ends the watch.
type watchUpdate struct {
	i      int
	list   []unstructured.Unstructured
	listed bool
	ev     watch.Event
	err    error
}

// apply puts an update into the snapshot; true when it was a LIST.
func (s Snapshot) apply(u watchUpdate) bool {
	if u.listed {
		s[u.i] = make(map[string]*unstructured.Unstructured, len(u.list))
		for j := range u.list {
			s[u.i][u.list[j].GetName()] = &u.list[j]
		}
		return true
	}
	if obj, ok := u.ev.Object.(*unstructured.Unstructured); ok {
		if u.ev.Type == watch.Deleted {
			delete(s[u.i], obj.GetName())
		} else {
			s[u.i][obj.GetName()] = obj
		}
	}
	return false
}

// follower lists and watches one query, resuming the watch when it closes
// and waiting out transient failures, until ctx ends or a lasting error.
type follower struct {
	c           *Client
	ctx         context.Context
	i           int
	q           Query
	updates     chan<- watchUpdate
	unreachable *lastFailure
}

func (f follower) send(u watchUpdate) bool {
	select {
	case f.updates <- u:
		return true
	case <-f.ctx.Done():
		return false
	}
}

// errRelist is a round that ended without a failure but wants a wait before
// the next: the watch expired, or closed before any change (a proxy or
// server that ends streams at once), where listing again at once would
// LIST in a tight loop until the deadline.
var errRelist = errors.New("the watch ended early; list again")

// errThrottled is a request that client-go's rate limiter would send only
// after ctx's deadline (see throttledPastDeadline).
var errThrottled = errors.New("throttled past the deadline")

// followRetries is how a follower waits between failed rounds: as the
// client's retries do, for as long as ctx lasts.
var followRetries = func() retrypkg.Policy { p := transientRetries; p.For = 0; return p }()

func (f follower) run() {
	again := func(err error) bool { return errors.Is(err, errRelist) || Transient(err) }
	for f.ctx.Err() == nil {
		// A round whose watch brought changes succeeds: the next failure
		// waits the shortest time again.
		_, err := retrypkg.Do(f.ctx, followRetries, again, func() (struct{}, error) { return struct{}{}, f.round() })
		switch {
		case err == nil || f.ctx.Err() != nil:
		case errors.Is(err, errThrottled):
			<-f.ctx.Done() // the wait ends with ctx, as if the request had been sent
		default:
			f.send(watchUpdate{i: f.i, err: err})
			return
		}
	}
}

// round lists the query, sends the list, and forwards the watch from its
// resource version until the watch closes. It returns nil when the watch
// brought changes, errRelist when it brought none or had expired, ctx's
// error when ctx ended, or the request's error (see failed).
func (f follower) round() error {
	ri := f.c.resource(f.q.GVR, f.q.Namespace)
	opts := metav1.ListOptions{LabelSelector: f.q.LabelSelector, FieldSelector: f.q.FieldSelector}
	list, err := ri.List(f.ctx, opts)
	if err != nil {
		return f.failed(err)
	}
	f.unreachable.set(nil)
	if !f.send(watchUpdate{i: f.i, list: list.Items, listed: true}) {
		return f.ctx.Err()
	}
	opts.ResourceVersion = list.GetResourceVersion()
	opts.AllowWatchBookmarks = true
	w, err := ri.Watch(f.ctx, opts)
	switch {
	case apierrors.IsGone(err) || apierrors.IsResourceExpired(err):
		return errRelist
	case err != nil:
		return f.failed(err)
	}
	changes, ok := f.forward(w)
	switch {
	case !ok:
		return f.ctx.Err()
	case changes == 0:
		return errRelist
	}
	return nil
}

// failed records a request's transient failure as the server's being
// unreachable, and turns a throttled request into errThrottled.
func (f follower) failed(err error) error {
	if throttledPastDeadline(err) {
		return errThrottled
	}
	if Transient(err) {
		f.unreachable.set(err)
	}
	return err
}

// forward sends a watch's changes until it closes (true: list again) or ctx
// ends (false), and counts the changes (an ERROR or a BOOKMARK is none).
func (f follower) forward(w watch.Interface) (int, bool) {
	defer w.Stop()
	changes := 0
	for ev := range w.ResultChan() {
		switch ev.Type {
		case watch.Error:
			return changes, true // expired or failed: list again
		case watch.Bookmark:
			continue
		}
		changes++
		if !f.send(watchUpdate{i: f.i, ev: ev}) {
			return changes, false
		}
	}
	return changes, true
}

// Transient reports whether err is worth retrying: the API server could
// not be reached or was restarting, or it answered 429 or 5xx.
func Transient(err error) bool {
	// The operation's own deadline or cancellation is final (and
	// context.DeadlineExceeded would pass for a net.Error timeout below).
	if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	// (Not IsUnexpectedServerError: it is any answer that is no Status, such
	// as the plain-text 404 for a type the server does not serve; the 5xx
	// among them are caught by their code below.)
	if apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsInternalError(err) {
		return true
	}
	var se apierrors.APIStatus
	if errors.As(err, &se) && se.Status().Code >= 500 {
		return true
	}
	var ne net.Error
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) || (errors.As(err, &ne) && ne.Timeout()) {
		return true
	}
	if errors.Is(err, net.ErrClosed) {
		return true
	}
	// HTTP/2 closes a whole connection when one write on it fails (the
	// server went away), and every request on it fails with one of these;
	// they are not typed errors.
	msg := err.Error()
	for _, s := range []string{"http2: client connection force closed", "http2: client connection lost",
		"http2: server sent GOAWAY", "use of closed network connection", "connection reset by peer", "broken pipe"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}

// WaitFor watches one object until cond holds, the object is deleted
// (gone), or ctx ends, and returns the last version seen. It survives an
// API server restart (see Watch).
func (c *Client) WaitFor(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string,
	cond func(*unstructured.Unstructured) (bool, error)) (last *unstructured.Unstructured, gone bool, err error) {
	err = c.Watch(ctx, []Query{Named(gvr, namespace, name)}, func(s Snapshot) (bool, error) {
		obj := s.One(0, name)
		if obj == nil {
			gone = true
			return true, nil
		}
		last = obj
		return cond(obj)
	})
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return last, false, err
	}
	if err != nil {
		return last, false, fmt.Errorf("watching %s %s/%s: %w", gvr.Resource, namespace, name, err)
	}
	return last, gone, nil
}

// UnreachableError ends a wait whose time ran out while the API server could
// not be reached: what the object became is unknown. It wraps the context's
// error, so errors.Is(err, context.DeadlineExceeded) holds.
type UnreachableError struct {
	Err   error     // the last failure
	Since time.Time // when the failures began
	cause error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("%v: the Kubernetes API server could not be reached since %s (last error: %v)",
		e.cause, e.Since.Format(time.TimeOnly), e.Err)
}
func (e *UnreachableError) Unwrap() error { return e.cause }

// lastFailure records a transient failure and when the run of failures
// began; a success clears it.
type lastFailure struct {
	mu    sync.Mutex
	err   error
	since time.Time
}

func (f *lastFailure) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil && f.err == nil {
		f.since = time.Now()
	}
	f.err = err
}

func (f *lastFailure) get() (since time.Time, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.since, f.err
}
