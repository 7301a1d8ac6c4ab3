package protocol

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// The framework's protocol server (internal/proto6server, v1.19) derives
// each call's context with context.WithCancel and keeps every cancel
// function until StopProvider, which Terraform sends only to interrupt, so
// that it can cancel calls in flight. A cancel function holds its context,
// and the context holds its parents: tf6server's, with the call's loggers
// (several kilobytes each). A plan of 1000 endpoints (four calls each) kept
// about 70 MB alive that way, the bulk of the provider's peak memory, and
// the garbage collector marked it again in every cycle.
//
// detach gives the framework, for one call, a context that answers as ctx
// does (values, deadline, cancellation) until the call returns, then lets
// go of ctx: what the framework keeps is the small detachable context, not
// the call's chain. StopProvider still cancels the contexts the framework
// derived (they are its own cancelCtx values), and a call's context is done
// when ctx is.

// detachable is a context that forwards to its parent until released.
type detachable struct {
	done   <-chan struct{}
	parent atomic.Pointer[context.Context]
}

func detach(ctx context.Context) (context.Context, func()) {
	d := &detachable{done: ctx.Done()}
	d.parent.Store(&ctx)
	return d, func() { d.parent.Store(nil) }
}

func (d *detachable) Deadline() (time.Time, bool) {
	if p := d.parent.Load(); p != nil {
		return (*p).Deadline()
	}
	return time.Time{}, false
}

func (d *detachable) Done() <-chan struct{} { return d.done }

func (d *detachable) Err() error {
	if p := d.parent.Load(); p != nil {
		return (*p).Err()
	}
	select {
	case <-d.done: // a nil channel (a parent that is never done) never is
		return context.Canceled
	default:
		return nil
	}
}

func (d *detachable) Value(key any) any {
	if p := d.parent.Load(); p != nil {
		return (*p).Value(key)
	}
	return nil
}

// The calls Terraform makes once per resource, data source or function
// call, which the wrapper does not otherwise change, detached; the others
// detach in server.go. Calls made once per provider process (schemas,
// configuration, stop) and the streaming ones (list resources, actions),
// whose answers are read after the call returns, are passed on as they are.

func (s *diagnosticsServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return detached(ctx, req, s.frameworkServer.UpgradeResourceState)
}

func (s *diagnosticsServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return detached(ctx, req, s.frameworkServer.ReadResource)
}

func (s *diagnosticsServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return detached(ctx, req, s.frameworkServer.ImportResourceState)
}

func (s *diagnosticsServer) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return detached(ctx, req, s.frameworkServer.MoveResourceState)
}

func (s *diagnosticsServer) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return detached(ctx, req, s.frameworkServer.UpgradeResourceIdentity)
}

func (s *diagnosticsServer) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return detached(ctx, req, s.frameworkServer.CallFunction)
}

// detached calls call with ctx detached (see detach), for the calls the
// wrapper passes on unchanged.
func detached[Req, Resp any](ctx context.Context, req Req, call func(context.Context, Req) (Resp, error)) (Resp, error) {
	ctx, release := detach(ctx)
	defer release()
	return call(ctx, req)
}
