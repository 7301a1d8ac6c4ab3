package mlflow

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// At Terraform's -parallelism=50 the client keeps a connection per
// concurrent request: a second burst of 50 requests reuses the first
// burst's connections instead of opening new ones.
func TestConcurrentRequestsReuseConnections(t *testing.T) {
	const parallel = 50
	var opened atomic.Int64
	var mu sync.Mutex
	arrived, release := 0, make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Hold every request until all of the burst are in flight, so that
		// the burst needs one connection per request.
		mu.Lock()
		arrived++
		if arrived == parallel {
			close(release)
		}
		ch := release
		mu.Unlock()
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
		}
		_, _ = w.Write([]byte(`{"registered_model": {"name": "m"}}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := testClient(t, srv.URL)

	burst := func() {
		mu.Lock()
		arrived, release = 0, make(chan struct{})
		mu.Unlock()
		var wg sync.WaitGroup
		for range parallel {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.GetRegisteredModel(context.Background(), "m"); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	burst()
	first := opened.Load()
	if first != parallel {
		t.Fatalf("the first burst opened %d connections, want %d", first, parallel)
	}
	burst()
	if again := opened.Load() - first; again != 0 {
		t.Fatalf("the second burst of %d requests opened %d new connections; the client should have kept the first burst's", parallel, again)
	}
}
