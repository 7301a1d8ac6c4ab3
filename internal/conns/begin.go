package conns

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// Timeout is one of a timeouts block's getters (Create, Read, Update,
// Delete): the configured time, or def.
type Timeout func(ctx context.Context, def time.Duration) (time.Duration, diag.Diagnostics)

// Begin starts a resource operation the one way every resource does: it
// reads the request's plan or state (get) into a model, and bounds ctx by
// the operation's timeout (the model's timeouts block, or def). Errors go to
// d; the caller checks d after asking for its client.
func Begin[M any](ctx context.Context, get func(context.Context, any) diag.Diagnostics, timeout func(*M) Timeout, def time.Duration,
	d *diag.Diagnostics) (M, context.Context, context.CancelFunc) {
	var m M
	d.Append(get(ctx, &m)...)
	limit, td := timeout(&m)(ctx, def)
	d.Append(td...)
	ctx, cancel := context.WithTimeout(ctx, limit)
	return m, ctx, cancel
}
