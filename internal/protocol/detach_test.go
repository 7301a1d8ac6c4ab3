package protocol

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

type testKey struct{}

// A detachable context answers as its parent until released; then it
// holds nothing of it, and is done (canceled) exactly when the parent is.
func TestDetachable(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(context.Background(), testKey{}, "v"), deadline)
	ctx, release := detach(parent)
	if ctx.Value(testKey{}) != "v" || ctx.Err() != nil || ctx.Done() != parent.Done() {
		t.Fatal("an attached context does not answer as its parent")
	}
	if d, ok := ctx.Deadline(); !ok || !d.Equal(deadline) {
		t.Fatalf("deadline %v %v", d, ok)
	}
	child, cancelChild := context.WithCancel(ctx)
	defer cancelChild()
	release()
	if ctx.Value(testKey{}) != nil || ctx.Err() != nil {
		t.Fatal("a released context still answers for its parent")
	}
	if _, ok := ctx.Deadline(); ok {
		t.Fatal("a released context keeps its parent's deadline")
	}
	cancel()
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a context derived from the detachable one is not canceled with the parent")
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("released and done: Err %v", ctx.Err())
	}
	never, release := detach(context.Background())
	release()
	if never.Err() != nil || never.Done() != nil {
		t.Fatal("a context that is never done became done")
	}
}

// collected tells whether the value that call's context carried was
// garbage collected after the call returned.
func collected(t *testing.T, call func(ctx context.Context)) bool {
	t.Helper()
	gone := make(chan struct{})
	func() {
		big := new([1 << 16]byte)
		runtime.AddCleanup(big, func(ch chan struct{}) { close(ch) }, gone)
		call(context.WithValue(context.Background(), testKey{}, big))
	}()
	for range 50 {
		runtime.GC()
		select {
		case <-gone:
			return true
		case <-time.After(20 * time.Millisecond):
		}
	}
	return false
}

// The framework keeps every call's context until StopProvider: through the
// wrapper, it keeps none of a resource call's (or its loggers), so a plan
// of many resources does not hold memory for each.
func TestCallContextsNotKept(t *testing.T) {
	if !collected(t, func(context.Context) {}) {
		t.Fatal("the test cannot see a value collected")
	}
	s, err := NewServer("test")()
	if err != nil {
		t.Fatal(err)
	}
	const typ = "mlops_endpoint"
	for name, call := range map[string]func(ctx context.Context){
		"ValidateResourceConfig": func(ctx context.Context) {
			_, _ = s.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: typ})
		},
		"UpgradeResourceState": func(ctx context.Context) {
			_, _ = s.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{TypeName: typ})
		},
		"ReadResource": func(ctx context.Context) { _, _ = s.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: typ}) },
		"PlanResourceChange": func(ctx context.Context) {
			_, _ = s.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: typ})
		},
		"ApplyResourceChange": func(ctx context.Context) {
			_, _ = s.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: typ})
		},
		"ImportResourceState": func(ctx context.Context) {
			_, _ = s.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{TypeName: typ})
		},
		"ReadDataSource": func(ctx context.Context) {
			_, _ = s.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: "mlops_endpoint"})
		},
		"ValidateDataResourceConfig": func(ctx context.Context) {
			_, _ = s.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: "mlops_endpoint"})
		},
	} {
		if !collected(t, call) {
			t.Errorf("%s: the framework keeps the call's context", name)
		}
	}
}
