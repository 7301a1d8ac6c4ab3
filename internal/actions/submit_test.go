package actions

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/retry"
)

// A run whose API server refuses every connection is retried within
// submitRetries' bound, and then the refusal is returned, however long the
// action's own timeout: the retries of a submit have a cap (issue 18). The
// test shortens the bound; the context has no deadline, so without a cap
// the submit would never return.
func TestSubmitRetriesHaveACap(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := "http://" + l.Addr().String()
	_ = l.Close() // nothing listens: connections are refused
	dyn, err := dynamic.NewForConfig(&rest.Config{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	saved := submitRetries
	t.Cleanup(func() { submitRetries = saved })
	tries := 0
	submitRetries = retry.Policy{First: time.Millisecond, For: 50 * time.Millisecond,
		OnRetry: func(int, time.Duration, error) { tries++ }}

	_, err = submit(context.Background(), kube.NewFromDynamic(dyn), kube.ID{Namespace: "ml", Name: "retrain"}, nil)
	if !errors.Is(err, syscall.ECONNREFUSED) || tries == 0 {
		t.Fatalf("got %v after %d retries, want the refusal after at least one retry", err, tries)
	}
	if saved.For <= 0 && saved.Tries <= 0 {
		t.Errorf("submitRetries %+v has no bound", saved)
	}
}
