// Package protocol holds the provider's protocol-6 server as Terraform is
// served it, and what main.go sets up before serving it:
//
//   - server.go: the framework's server for internal/provider behind a
//     wrapper that adjusts diagnostics (numbers no 64-bit integer holds,
//     errors inside nested attributes) and passes every other RPC through;
//   - detach.go: each call's context is handed to the framework detached,
//     so that the framework does not keep the call's context chain alive;
//   - gc.go: TuneGC, the garbage collector's setting for the process;
//   - sdklogs.go: QuietUnreadSDKLogs.
//
// It may import internal/provider (to build the framework's server), the
// framework's providerserver, terraform-plugin-go and terraform-plugin-log;
// nothing else of this module. internal/provider, and every package it
// imports, must not import it: main.go, bench/profile,
// internal/testinfra/acctest's provider factories and the protocol-level
// tests do.
package protocol

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/provider"
)

// NewServer returns the provider's protocol server: the framework's server
// with two adjustments to diagnostics.
//
// Numbers: every number attribute of this provider is a 64-bit integer. The
// framework converts a configuration's numbers before any validator runs, and
// a value such as 99999999999999999999 fails that conversion with an error
// that blames the provider ("This is always an error in the provider"). When
// the framework answers with an error, the server looks for such numbers and
// reports them instead, on their attribute, with the fix; an answer without
// errors goes back unchanged, so a valid configuration is decoded once.
//
// Where errors point: Terraform and OpenTofu show the source of an
// attribute's error by walking the attribute's path through blocks only. A
// path into a nested attribute, such as steps[0].name or schedule.timezone,
// ends at the resource's header or, worse, at a top-level attribute that has
// the same name as the nested one (steps[0].name pointed at the pipeline's
// name). The server moves such errors to the top-level attribute that holds
// the value, which Terraform shows, and starts the detail with the full path.
func NewServer(version string) func() (tfprotov6.ProviderServer, error) {
	return func() (tfprotov6.ProviderServer, error) {
		inner, err := providerserver.NewProtocol6WithError(provider.New(version)())()
		if err != nil {
			return nil, err
		}
		fw, ok := inner.(frameworkServer)
		if !ok {
			return nil, fmt.Errorf("the framework's protocol server (%T) lacks RPCs that the provider's server forwards: "+
				"the framework changed, update internal/protocol", inner)
		}
		return &diagnosticsServer{frameworkServer: fw}, nil
	}
}

// frameworkServer is every RPC the framework's server implements: the
// protocol's ProviderServer and the optional servers that tf6server asks a
// server for before it serves their RPCs (list resources, actions, state
// stores). The wrapper embeds it, so every RPC it does not override passes
// through unchanged; embedding tfprotov6.ProviderServer alone would hide the
// optional ones, and tf6server would answer Terraform's ValidateActionConfig
// or ListResource with "Not Implemented". TestWrapperForwardsEveryMethod
// fails when the framework's server has a method this interface lacks.
type frameworkServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
	tfprotov6.ActionServer
	tfprotov6.StateStoreServer
}

type diagnosticsServer struct {
	frameworkServer

	mu      sync.Mutex // held while asking the framework for the schemas
	schemas atomic.Pointer[tfprotov6.GetProviderSchemaResponse]
}

// providerSchemas returns the framework's schemas, asked for once and kept.
// An answer with an error (a returned error, no answer, or an error
// diagnostic) is logged and not kept: the next call asks again, so a failure
// does not leave the server without schemas for good. Meanwhile the wrapper
// passes the framework's answers on unchanged.
func (s *diagnosticsServer) providerSchemas(ctx context.Context) *tfprotov6.GetProviderSchemaResponse {
	if r := s.schemas.Load(); r != nil {
		return r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.schemas.Load(); r != nil {
		return r
	}
	r, err := s.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err == nil && r != nil && !hasError(r.Diagnostics) {
		s.schemas.Store(r)
		return r
	}
	fields := map[string]any{}
	if err != nil {
		fields["error"] = err.Error()
	}
	if r != nil {
		var problems []string
		for _, d := range r.Diagnostics {
			if d != nil && d.Severity == tfprotov6.DiagnosticSeverityError {
				problems = append(problems, d.Summary+": "+d.Detail)
			}
		}
		fields["diagnostics"] = problems
	}
	tflog.Warn(ctx, "GetProviderSchema failed: diagnostics pass through unchanged until it succeeds", fields)
	return nil
}

func hasError(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d != nil && d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

// schema returns the block of a resource ("resource"), data source ("data")
// or the provider (""), or nil.
func (s *diagnosticsServer) schema(ctx context.Context, kind, typeName string) *tfprotov6.SchemaBlock {
	schemas := s.providerSchemas(ctx)
	if schemas == nil {
		return nil
	}
	var sch *tfprotov6.Schema
	switch kind {
	case "resource":
		sch = schemas.ResourceSchemas[typeName]
	case "data":
		sch = schemas.DataSourceSchemas[typeName]
	default:
		sch = schemas.Provider
	}
	if sch == nil {
		return nil
	}
	return sch.Block
}

var (
	minInt64 = new(big.Float).SetInt64(-1 << 63)
	maxInt64 = new(big.Float).SetInt64(1<<63 - 1)
)

// numberProblems returns an error diagnostic for each known number in config
// that is not a whole number a 64-bit integer holds.
func numberProblems(block *tfprotov6.SchemaBlock, config *tfprotov6.DynamicValue) []*tfprotov6.Diagnostic {
	if block == nil || config == nil {
		return nil
	}
	v, err := config.Unmarshal(block.ValueType())
	if err != nil {
		return nil // the framework reports what it cannot decode
	}
	var out []*tfprotov6.Diagnostic
	_ = tftypes.Walk(v, func(p *tftypes.AttributePath, v tftypes.Value) (bool, error) {
		if !v.Type().Is(tftypes.Number) || !v.IsKnown() || v.IsNull() {
			return true, nil
		}
		var f big.Float
		var why string
		switch {
		case v.As(&f) != nil:
			return true, nil //nolint:nilerr // not readable as a number: the framework reports it
		case !f.IsInt():
			why = "is not a whole number; this attribute takes a whole number"
		case f.Cmp(maxInt64) > 0 || f.Cmp(minInt64) < 0:
			why = "is too large: numbers here are whole numbers from -9223372036854775808 to 9223372036854775807, " +
				"and the attribute's documentation gives its own, smaller range"
		default:
			return true, nil
		}
		out = append(out, &tfprotov6.Diagnostic{
			Severity:  tfprotov6.DiagnosticSeverityError,
			Summary:   "Invalid number",
			Detail:    fmt.Sprintf("%s %s. Give a value in the attribute's range.", f.Text('f', -1), why),
			Attribute: p,
		})
		return true, nil
	})
	return relocate(block, out)
}

// relocate moves each diagnostic on a path into a nested attribute to the
// top-level attribute that holds it, and names the full path in its detail.
func relocate(block *tfprotov6.SchemaBlock, diags []*tfprotov6.Diagnostic) []*tfprotov6.Diagnostic {
	if block == nil {
		return diags
	}
	for _, d := range diags {
		if d == nil || d.Attribute == nil {
			continue
		}
		steps := d.Attribute.Steps()
		if len(steps) < 2 {
			continue
		}
		root, ok := steps[0].(tftypes.AttributeName)
		if !ok || !isAttribute(block, string(root)) {
			continue // a block (such as timeouts): Terraform finds those
		}
		if _, isAttr := steps[1].(tftypes.AttributeName); !isAttr && len(steps) == 2 {
			continue // an element of a map, list or set attribute: Terraform finds those
		}
		if at := pathString(steps); !strings.Contains(d.Detail, at) {
			d.Detail = fmt.Sprintf("%s: %s", at, d.Detail)
		}
		d.Attribute = tftypes.NewAttributePath().WithAttributeName(string(root))
	}
	return diags
}

func isAttribute(block *tfprotov6.SchemaBlock, name string) bool {
	for _, a := range block.Attributes {
		if a.Name == name {
			return true
		}
	}
	return false
}

// pathString writes steps as a configuration does: steps[0].name,
// tags["team"].
func pathString(steps []tftypes.AttributePathStep) string {
	var b strings.Builder
	for i, st := range steps {
		switch st := st.(type) {
		case tftypes.AttributeName:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(st))
		case tftypes.ElementKeyInt:
			fmt.Fprintf(&b, "[%d]", int64(st))
		case tftypes.ElementKeyString:
			fmt.Fprintf(&b, "[%q]", string(st))
		default:
			b.WriteString("[…]") // an element of a set has no index
		}
	}
	return b.String()
}

// badNumbers is called after the framework answered: only when it reports
// an error can a number be out of range (the framework cannot convert it),
// so a configuration is decoded a second time only then, and the plan of a
// valid configuration costs nothing here. It returns the numbers' own
// diagnostics, or nil to keep the framework's.
func badNumbers(block *tfprotov6.SchemaBlock, config *tfprotov6.DynamicValue, answered []*tfprotov6.Diagnostic) []*tfprotov6.Diagnostic {
	if hasError(answered) {
		return numberProblems(block, config)
	}
	return nil
}

func (s *diagnosticsServer) ValidateProviderConfig(ctx context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	resp, err := s.frameworkServer.ValidateProviderConfig(ctx, req)
	if resp != nil {
		if d := badNumbers(s.schema(ctx, "", ""), req.Config, resp.Diagnostics); len(d) > 0 {
			return &tfprotov6.ValidateProviderConfigResponse{PreparedConfig: req.Config, Diagnostics: d}, nil
		}
		resp.Diagnostics = relocate(s.schema(ctx, "", ""), resp.Diagnostics)
	}
	return resp, err
}

func (s *diagnosticsServer) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	resp, err := s.frameworkServer.ConfigureProvider(ctx, req)
	if resp != nil {
		if d := badNumbers(s.schema(ctx, "", ""), req.Config, resp.Diagnostics); len(d) > 0 {
			return &tfprotov6.ConfigureProviderResponse{Diagnostics: d}, nil
		}
		resp.Diagnostics = relocate(s.schema(ctx, "", ""), resp.Diagnostics)
	}
	return resp, err
}

func (s *diagnosticsServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	ctx, release := detach(ctx)
	defer release()
	resp, err := s.frameworkServer.ValidateResourceConfig(ctx, req)
	if resp != nil {
		block := s.schema(ctx, "resource", req.TypeName)
		if d := badNumbers(block, req.Config, resp.Diagnostics); len(d) > 0 {
			return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: d}, nil
		}
		resp.Diagnostics = relocate(block, resp.Diagnostics)
	}
	return resp, err
}

// PlanResourceChange checks again: a number that came from a variable or
// another resource is known only now.
func (s *diagnosticsServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	ctx, release := detach(ctx)
	defer release()
	resp, err := s.frameworkServer.PlanResourceChange(ctx, req)
	if resp != nil {
		block := s.schema(ctx, "resource", req.TypeName)
		if d := badNumbers(block, req.Config, resp.Diagnostics); len(d) > 0 {
			return &tfprotov6.PlanResourceChangeResponse{Diagnostics: d}, nil
		}
		resp.Diagnostics = relocate(block, resp.Diagnostics)
	}
	return resp, err
}

func (s *diagnosticsServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	ctx, release := detach(ctx)
	defer release()
	resp, err := s.frameworkServer.ValidateDataResourceConfig(ctx, req)
	if resp != nil {
		block := s.schema(ctx, "data", req.TypeName)
		if d := badNumbers(block, req.Config, resp.Diagnostics); len(d) > 0 {
			return &tfprotov6.ValidateDataResourceConfigResponse{Diagnostics: d}, nil
		}
		resp.Diagnostics = relocate(block, resp.Diagnostics)
	}
	return resp, err
}

func (s *diagnosticsServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	ctx, release := detach(ctx)
	defer release()
	resp, err := s.frameworkServer.ReadDataSource(ctx, req)
	if resp != nil {
		block := s.schema(ctx, "data", req.TypeName)
		if d := badNumbers(block, req.Config, resp.Diagnostics); len(d) > 0 {
			return &tfprotov6.ReadDataSourceResponse{Diagnostics: d}, nil
		}
		resp.Diagnostics = relocate(block, resp.Diagnostics)
	}
	return resp, err
}

func (s *diagnosticsServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	ctx, release := detach(ctx)
	defer release()
	resp, err := s.frameworkServer.ApplyResourceChange(ctx, req)
	if resp != nil {
		resp.Diagnostics = relocate(s.schema(ctx, "resource", req.TypeName), resp.Diagnostics)
	}
	return resp, err
}
