package actions_test

// The actions are tested at the protocol level: no Terraform 1.14 binary can
// be built here (its go.mod replaces modules that its module zip lacks), and
// OpenTofu has no actions. The tests therefore do what Terraform 1.14 does
// with the provider's protocol server: GetProviderSchema, ConfigureProvider,
// ValidateActionConfig, PlanAction and InvokeAction, with configurations
// encoded as tftypes values of the action's schema, reading InvokeAction's
// event stream to its end.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/protocol"
)

// actionServer is a protocol server with the action RPCs: what tf6server
// asks of a provider before it serves them.
type actionServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ActionServer
}

// protoServer is the provider's protocol server and the schemas it reports.
type protoServer struct {
	t       *testing.T
	srv     actionServer
	schemas *tfprotov6.GetProviderSchemaResponse
}

// newServer builds the protocol server as internal/testinfra/acctest does and reads
// its schemas.
func newServer(t *testing.T) *protoServer {
	t.Helper()
	plain, err := protocol.NewServer("test")()
	if err != nil {
		t.Fatalf("building the provider server: %v", err)
	}
	// tf6server serves the action RPCs only when the server implements
	// them (this assertion is the one it makes).
	srv, ok := plain.(actionServer)
	if !ok {
		t.Fatalf("the provider's protocol server (%T) does not implement the action RPCs: Terraform 1.14 would get \"Not Implemented\"", plain)
	}
	resp, err := srv.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatalf("GetProviderSchema: %v", err)
	}
	if hasError(resp.Diagnostics) {
		t.Fatalf("GetProviderSchema: %s", diagText(resp.Diagnostics))
	}
	return &protoServer{t: t, srv: srv, schemas: resp}
}

// value encodes attrs as an object of block's type; attributes not given are
// null, as in a configuration that leaves them out.
func (p *protoServer) value(block *tfprotov6.SchemaBlock, attrs map[string]tftypes.Value) *tfprotov6.DynamicValue {
	p.t.Helper()
	typ := block.ValueType().(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := attrs[name]; ok {
			vals[name] = v
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	for name := range attrs {
		if _, ok := typ.AttributeTypes[name]; !ok {
			p.t.Fatalf("the schema has no attribute %q", name)
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		p.t.Fatalf("encoding the configuration: %v", err)
	}
	return &dv
}

// configure configures the provider with attrs; everything else comes from
// the environment (MLFLOW_TRACKING_URI, KUBECONFIG, ...), as in the
// acceptance tests.
func (p *protoServer) configure(attrs map[string]tftypes.Value) {
	p.t.Helper()
	resp, err := p.srv.ConfigureProvider(context.Background(), &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.14.0",
		Config:           p.value(p.schemas.Provider.Block, attrs),
	})
	if err != nil {
		p.t.Fatalf("ConfigureProvider: %v", err)
	}
	if hasError(resp.Diagnostics) {
		p.t.Fatalf("ConfigureProvider: %s", diagText(resp.Diagnostics))
	}
}

func (p *protoServer) actionConfig(typeName string, attrs map[string]tftypes.Value) *tfprotov6.DynamicValue {
	p.t.Helper()
	s, ok := p.schemas.ActionSchemas[typeName]
	if !ok {
		p.t.Fatalf("GetProviderSchema has no action %s", typeName)
	}
	return p.value(s.Schema.Block, attrs)
}

func (p *protoServer) validate(typeName string, attrs map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	p.t.Helper()
	resp, err := p.srv.ValidateActionConfig(context.Background(), &tfprotov6.ValidateActionConfigRequest{
		ActionType: typeName, Config: p.actionConfig(typeName, attrs),
	})
	if err != nil {
		p.t.Fatalf("ValidateActionConfig: %v", err)
	}
	return resp.Diagnostics
}

func (p *protoServer) plan(typeName string, attrs map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	p.t.Helper()
	resp, err := p.srv.PlanAction(context.Background(), &tfprotov6.PlanActionRequest{
		ActionType: typeName, Config: p.actionConfig(typeName, attrs),
		ClientCapabilities: &tfprotov6.PlanActionClientCapabilities{DeferralAllowed: true},
	})
	if err != nil {
		p.t.Fatalf("PlanAction: %v", err)
	}
	return resp.Diagnostics
}

// invocation is what InvokeAction's stream carried: the progress messages
// in order, and the completed event's diagnostics.
type invocation struct {
	progress  []string
	diags     []*tfprotov6.Diagnostic
	completed int
}

// invoke runs the action as Terraform 1.14 does after a plan: validate,
// plan, then invoke, and reads the stream to its end. Validation and plan
// must pass.
func (p *protoServer) invoke(typeName string, attrs map[string]tftypes.Value) invocation {
	p.t.Helper()
	if d := p.validate(typeName, attrs); hasError(d) {
		p.t.Fatalf("ValidateActionConfig: %s", diagText(d))
	}
	if d := p.plan(typeName, attrs); hasError(d) {
		p.t.Fatalf("PlanAction: %s", diagText(d))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	stream, err := p.srv.InvokeAction(ctx, &tfprotov6.InvokeActionRequest{
		ActionType: typeName, Config: p.actionConfig(typeName, attrs),
		ClientCapabilities: &tfprotov6.InvokeActionClientCapabilities{},
	})
	if err != nil {
		p.t.Fatalf("InvokeAction: %v", err)
	}
	var out invocation
	for ev := range stream.Events {
		switch e := ev.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			p.t.Logf("progress: %s", e.Message)
			out.progress = append(out.progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			out.completed++
			out.diags = append(out.diags, e.Diagnostics...)
		default:
			p.t.Fatalf("unexpected event %T", e)
		}
	}
	if out.completed != 1 {
		p.t.Fatalf("InvokeAction's stream ended with %d completed events, want 1", out.completed)
	}
	return out
}

func str(s string) tftypes.Value   { return tftypes.NewValue(tftypes.String, s) }
func boolean(b bool) tftypes.Value { return tftypes.NewValue(tftypes.Bool, b) }
func strMap(m map[string]string) tftypes.Value {
	vals := map[string]tftypes.Value{}
	for k, v := range m {
		vals[k] = str(v)
	}
	return tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, vals)
}

func hasError(ds []*tfprotov6.Diagnostic) bool {
	for _, d := range ds {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

func diagText(ds []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.Summary + ": " + d.Detail)
		if d.Attribute != nil {
			b.WriteString(" [at " + d.Attribute.String() + "]")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// oneError returns the only diagnostic of ds, which must be an error.
func oneError(t *testing.T, ds []*tfprotov6.Diagnostic) *tfprotov6.Diagnostic {
	t.Helper()
	if len(ds) != 1 || ds[0].Severity != tfprotov6.DiagnosticSeverityError {
		t.Fatalf("want one error, got:\n%s", diagText(ds))
	}
	return ds[0]
}

// requireContains fails unless s contains each of subs.
func requireContains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

// object encodes attrs as the value of the provider's nested attribute
// name (such as mlflow), with the attributes not given null.
func (p *protoServer) object(name string, attrs map[string]tftypes.Value) tftypes.Value {
	p.t.Helper()
	typ, ok := p.schemas.Provider.Block.ValueType().(tftypes.Object).AttributeTypes[name].(tftypes.Object)
	if !ok {
		p.t.Fatalf("the provider has no nested attribute %q", name)
	}
	vals := map[string]tftypes.Value{}
	for a, at := range typ.AttributeTypes {
		if v, ok := attrs[a]; ok {
			vals[a] = v
		} else {
			vals[a] = tftypes.NewValue(at, nil)
		}
	}
	return tftypes.NewValue(typ, vals)
}
