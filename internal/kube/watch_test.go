package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

var testGVR = schema.GroupVersionResource{Group: "serving.kserve.io", Version: "v1beta1", Resource: "inferenceservices"}

func clientFor(t *testing.T, host string) *Client {
	t.Helper()
	dyn, err := dynamic.NewForConfig(&rest.Config{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	return NewFromDynamic(dyn)
}

// closedPort returns an address on which nothing listens: connections to it
// are refused, as they are while an API server restarts.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

// A wait whose time runs out while the API server refuses connections says
// so (UnreachableError), and is still a deadline error for its callers.
func TestWatchUnreachableUntilDeadline(t *testing.T) {
	c := clientFor(t, closedPort(t))
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	err := c.Watch(ctx, []Query{Named(testGVR, "ns", "e")}, func(Snapshot) (bool, error) { return false, nil })
	var ue *UnreachableError
	if !errors.As(err, &ue) || !errors.Is(err, context.DeadlineExceeded) || !Transient(ue.Err) {
		t.Fatalf("want an UnreachableError wrapping the deadline, got %T %v", err, err)
	}
}

// client-go's rate limiter refuses a request whose turn would come after the
// deadline; a wait that meets that refusal while the server is unreachable
// still ends as an UnreachableError, not with the limiter's message.
func TestWatchThrottledPastDeadline(t *testing.T) {
	dyn, err := dynamic.NewForConfig(&rest.Config{Host: closedPort(t), QPS: 1, Burst: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	err = NewFromDynamic(dyn).Watch(ctx, []Query{Named(testGVR, "ns", "e")}, func(Snapshot) (bool, error) { return false, nil })
	var ue *UnreachableError
	if !errors.As(err, &ue) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want an UnreachableError wrapping the deadline, got %T %v", err, err)
	}
}

// A wait that ran out of time while the server answered is a plain deadline
// error: the object was seen, and was not ready.
func TestWatchDeadlineWhileReachable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("watch") == "true" {
			<-r.Context().Done() // a watch that sees no change
			return
		}
		fmt.Fprint(w, `{"apiVersion":"serving.kserve.io/v1beta1","kind":"InferenceServiceList","metadata":{"resourceVersion":"1"},"items":[]}`)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	err := clientFor(t, srv.URL).Watch(ctx, []Query{Named(testGVR, "ns", "e")}, func(Snapshot) (bool, error) { return false, nil })
	var ue *UnreachableError
	if errors.As(err, &ue) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a plain deadline error, got %T %v", err, err)
	}
}

// Get, Apply and Delete retry what a restarting API server answers (here
// 503 twice), and not what it refuses for good.
func TestRequestsRetryTransientFailures(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		n := calls.Add(1)
		switch {
		case r.URL.Path == "/apis/serving.kserve.io/v1beta1/namespaces/ns/inferenceservices/forbidden":
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403}`)
		case n <= 2:
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"ServiceUnavailable","code":503}`)
		default:
			fmt.Fprint(w, `{"apiVersion":"serving.kserve.io/v1beta1","kind":"InferenceService","metadata":{"name":"e","namespace":"ns"}}`)
		}
	}))
	defer srv.Close()
	c := clientFor(t, srv.URL)
	obj, err := c.Get(context.Background(), testGVR, "ns", "e")
	if err != nil || obj.GetName() != "e" || calls.Load() != 3 {
		t.Fatalf("Get: %v after %d calls, want the object after 3", err, calls.Load())
	}
	calls.Store(10)
	if _, err := c.Get(context.Background(), testGVR, "ns", "forbidden"); err == nil || calls.Load() != 11 {
		t.Fatalf("a 403 is final: %v after %d calls, want an error after 1", err, calls.Load()-10)
	}
}

// Read (one LIST per query) and Patch retry a transient failure as Get
// does: a rollout step's check reads with Read, and a dropped connection
// there must not roll a healthy rollout back (issue 18); the pipeline's
// CronWorkflow is patched with Patch.
func TestReadAndPatchRetryTransientFailures(t *testing.T) {
	for name, call := range map[string]func(*Client) error{
		"Read": func(c *Client) error {
			s, err := c.Read(context.Background(), []Query{Named(testGVR, "ns", "e")})
			if err == nil && s.One(0, "e") == nil {
				err = errors.New("the list lacks the object")
			}
			return err
		},
		"Patch": func(c *Client) error {
			_, err := c.Patch(context.Background(), testGVR, "ns", "e", k8stypes.MergePatchType, []byte(`{"spec":{}}`))
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				switch {
				case calls.Add(1) <= 2:
					w.WriteHeader(http.StatusServiceUnavailable)
					fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"ServiceUnavailable","code":503}`)
				case strings.HasSuffix(r.URL.Path, "/inferenceservices"):
					fmt.Fprint(w, `{"apiVersion":"serving.kserve.io/v1beta1","kind":"InferenceServiceList","metadata":{"resourceVersion":"1"},`+
						`"items":[{"apiVersion":"serving.kserve.io/v1beta1","kind":"InferenceService","metadata":{"name":"e","namespace":"ns"}}]}`)
				default:
					fmt.Fprint(w, `{"apiVersion":"serving.kserve.io/v1beta1","kind":"InferenceService","metadata":{"name":"e","namespace":"ns"}}`)
				}
			}))
			defer srv.Close()
			if err := call(clientFor(t, srv.URL)); err != nil || calls.Load() != 3 {
				t.Fatalf("%v after %d calls, want success after 3", err, calls.Load())
			}
		})
	}
}

func TestTransientConnectionFailures(t *testing.T) {
	for _, msg := range []string{
		"http2: client connection force closed via ClientConn.Close",
		"http2: client connection lost",
		"read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer",
		"write: broken pipe",
	} {
		if !Transient(errors.New(msg)) {
			t.Errorf("%q is not taken as transient", msg)
		}
	}
	if Transient(errors.New(`inferenceservices "x" is forbidden`)) {
		t.Error("a refusal is taken as transient")
	}
}

// The operation's own deadline is final, though context.DeadlineExceeded
// passes for a net.Error timeout: a wait that simply ran out of time must not
// be taken for a lost connection.
func TestTransientIsNotTheDeadline(t *testing.T) {
	for _, err := range []error{context.DeadlineExceeded, context.Canceled, fmt.Errorf("watching: %w", context.DeadlineExceeded)} {
		if Transient(err) {
			t.Errorf("%v taken as transient", err)
		}
	}
}

// A watch stream that the server closes at once, with no change in it (empty,
// or only an ERROR or a BOOKMARK event), is not a healthy watch: the
// follower waits before it lists again, with the same backoff as after a
// failure, instead of listing in a tight loop. The client runs at the
// provider's own request rate, so no rate limiter hides a tight loop.
func TestWatchThatClosesAtOnceBacksOff(t *testing.T) {
	for name, stream := range map[string]string{
		"empty":    ``,
		"error":    `{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"InternalError","code":500}}`,
		"bookmark": `{"type":"BOOKMARK","object":{"apiVersion":"serving.kserve.io/v1beta1","kind":"InferenceService","metadata":{"resourceVersion":"2"}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			var lists atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if r.URL.Query().Get("watch") == "true" {
					_, _ = fmt.Fprintln(w, stream) // then the stream ends
					return
				}
				lists.Add(1)
				fmt.Fprint(w, `{"apiVersion":"serving.kserve.io/v1beta1","kind":"InferenceServiceList","metadata":{"resourceVersion":"1"},"items":[]}`)
			}))
			defer srv.Close()
			dyn, err := dynamic.NewForConfig(&rest.Config{Host: srv.URL, QPS: ClientQPS, Burst: ClientBurst})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = NewFromDynamic(dyn).Watch(ctx, []Query{Named(testGVR, "ns", "e")}, func(Snapshot) (bool, error) { return false, nil })
			// Waits of 100, 200, 400 ms (then 800) fit about 4 LISTs in a
			// second; the tight loop made thousands.
			if n := lists.Load(); n > 8 {
				t.Fatalf("%d LISTs in one second: the follower does not back off after watches that bring no change", n)
			}
		})
	}
}

// A type the API server does not serve (a CRD not installed) is answered
// with a plain-text "404 page not found", as the local cluster's
// kube-apiserver answers it. It is no transient failure and no absent
// object: Get, GetOptional and Delete fail at once, with one request each,
// so that the caller says the type is not installed.
func TestTypeNotServedIsNoAbsence(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	c := clientFor(t, srv.URL)
	ctx := context.Background()
	_, getErr := c.Get(ctx, testGVR, "ns", "e")
	obj, optErr := c.GetOptional(ctx, testGVR, "ns", "e")
	delErr := c.Delete(ctx, testGVR, "ns", "e")
	for name, err := range map[string]error{"Get": getErr, "GetOptional": optErr, "Delete": delErr} {
		if err == nil || IsObjectNotFound(err) || Transient(err) {
			t.Errorf("%s: %v (object not found %v, transient %v)", name, err, IsObjectNotFound(err), Transient(err))
		}
	}
	if obj != nil || requests.Load() != 3 {
		t.Errorf("got %v after %d requests, want nothing after 3", obj, requests.Load())
	}
}
