package protocol

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// A block with a top-level number, a nested object holding a number and a
// list of objects, and a timeouts block.
var testBlock = &tfprotov6.SchemaBlock{
	Attributes: []*tfprotov6.SchemaAttribute{
		{Name: "name", Type: tftypes.String, Optional: true},
		{Name: "count", Type: tftypes.Number, Optional: true},
		{Name: "scaling", NestedType: &tfprotov6.SchemaObject{Nesting: tfprotov6.SchemaObjectNestingModeSingle, Attributes: []*tfprotov6.SchemaAttribute{
			{Name: "max_replicas", Type: tftypes.Number, Optional: true},
		}}, Optional: true},
		{Name: "steps", NestedType: &tfprotov6.SchemaObject{Nesting: tfprotov6.SchemaObjectNestingModeList, Attributes: []*tfprotov6.SchemaAttribute{
			{Name: "name", Type: tftypes.String, Optional: true},
		}}, Optional: true},
		{Name: "tags", Type: tftypes.Map{ElementType: tftypes.String}, Optional: true},
	},
	BlockTypes: []*tfprotov6.SchemaNestedBlock{{TypeName: "timeouts", Nesting: tfprotov6.SchemaNestedBlockNestingModeSingle, Block: &tfprotov6.SchemaBlock{
		Attributes: []*tfprotov6.SchemaAttribute{{Name: "create", Type: tftypes.String, Optional: true}},
	}}},
}

func configWith(t *testing.T, count, maxReplicas *big.Float) *tfprotov6.DynamicValue {
	t.Helper()
	typ := testBlock.ValueType().(tftypes.Object)
	scalingType := typ.AttributeTypes["scaling"].(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	vals["count"] = tftypes.NewValue(tftypes.Number, count)
	vals["scaling"] = tftypes.NewValue(scalingType, map[string]tftypes.Value{"max_replicas": tftypes.NewValue(tftypes.Number, maxReplicas)})
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

func TestNumberProblems(t *testing.T) {
	huge, _, _ := big.ParseFloat("99999999999999999999", 10, 512, big.ToNearestEven)
	if d := numberProblems(testBlock, configWith(t, big.NewFloat(3), new(big.Float).SetInt64(1<<63-1))); len(d) != 0 {
		t.Fatalf("numbers that fit: %v", d[0].Detail)
	}
	d := numberProblems(testBlock, configWith(t, big.NewFloat(2.5), huge))
	if len(d) != 2 {
		t.Fatalf("want 2 errors, got %d", len(d))
	}
	byPath := map[string]*tfprotov6.Diagnostic{}
	for _, x := range d {
		byPath[x.Attribute.String()] = x
	}
	if x := byPath[`AttributeName("count")`]; x == nil || !strings.Contains(x.Detail, "2.5 is not a whole number") {
		t.Errorf("count: %+v", byPath)
	}
	// The nested number's error is on the top-level attribute, with the
	// full path in the detail.
	if x := byPath[`AttributeName("scaling")`]; x == nil || !strings.HasPrefix(x.Detail, "scaling.max_replicas: 99999999999999999999 is too large") {
		t.Errorf("scaling: %+v", byPath)
	}
}

func TestRelocate(t *testing.T) {
	at := func(steps ...tftypes.AttributePathStep) *tftypes.AttributePath {
		return tftypes.NewAttributePathWithSteps(steps)
	}
	diags := []*tfprotov6.Diagnostic{
		{Detail: "bad step name.", Attribute: at(tftypes.AttributeName("steps"), tftypes.ElementKeyInt(1), tftypes.AttributeName("name"))},
		{Detail: "Attribute scaling.max_replicas value must be at least 1.", Attribute: at(tftypes.AttributeName("scaling"), tftypes.AttributeName("max_replicas"))},
		{Detail: "empty key.", Attribute: at(tftypes.AttributeName("tags"), tftypes.ElementKeyString(""))},
		{Detail: "bad duration.", Attribute: at(tftypes.AttributeName("timeouts"), tftypes.AttributeName("create"))},
		{Detail: "bad name.", Attribute: at(tftypes.AttributeName("name"))},
		{Detail: "no path."},
	}
	relocate(testBlock, diags)
	want := []struct{ detail, path string }{
		{"steps[1].name: bad step name.", `AttributeName("steps")`},
		{"Attribute scaling.max_replicas value must be at least 1.", `AttributeName("scaling")`}, // names the path already
		{"empty key.", `AttributeName("tags").ElementKeyString("")`},                             // Terraform shows map keys
		{"bad duration.", `AttributeName("timeouts").AttributeName("create")`},                   // blocks too
		{"bad name.", `AttributeName("name")`},
		{"no path.", ""},
	}
	for i, w := range want {
		got := ""
		if diags[i].Attribute != nil {
			got = diags[i].Attribute.String()
		}
		if diags[i].Detail != w.detail || got != w.path {
			t.Errorf("%d: got %q on %s, want %q on %s", i, diags[i].Detail, got, w.detail, w.path)
		}
	}
}

// The configuration is decoded a second time only when the framework's
// answer has an error: a valid configuration's plan costs nothing more.
func TestBadNumbersOnlyAfterAnError(t *testing.T) {
	huge, _, _ := big.ParseFloat("99999999999999999999", 10, 512, big.ToNearestEven)
	config := configWith(t, big.NewFloat(3), huge)
	warning := []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityWarning, Summary: "w"}}
	if d := badNumbers(testBlock, config, warning); d != nil {
		t.Fatalf("without an error in the answer, nothing is decoded: %v", d)
	}
	failed := []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityError, Summary: "Value Conversion Error"}}
	if d := badNumbers(testBlock, config, failed); len(d) != 1 || d[0].Summary != "Invalid number" {
		t.Fatalf("after the framework's error, the number's own: %+v", d)
	}
	if d := badNumbers(testBlock, configWith(t, big.NewFloat(3), big.NewFloat(4)), failed); d != nil {
		t.Fatalf("an error not about numbers is the framework's: %+v", d)
	}
}

// schemaAnswers is a framework server whose GetProviderSchema gives its
// answers in turn, the last one from then on.
type schemaAnswers struct {
	frameworkServer // nil: only GetProviderSchema is called
	answers         []func() (*tfprotov6.GetProviderSchemaResponse, error)
	calls           int
}

func (f *schemaAnswers) GetProviderSchema(context.Context, *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	a := f.answers[min(f.calls, len(f.answers)-1)]
	f.calls++
	return a()
}

// A failed GetProviderSchema is not kept: the wrapper asks again until it
// has the schemas, then keeps them.
func TestSchemaAfterAFailure(t *testing.T) {
	good := &tfprotov6.GetProviderSchemaResponse{ResourceSchemas: map[string]*tfprotov6.Schema{"mlops_thing": {Block: testBlock}}}
	inner := &schemaAnswers{answers: []func() (*tfprotov6.GetProviderSchemaResponse, error){
		func() (*tfprotov6.GetProviderSchemaResponse, error) { return nil, errors.New("no schemas yet") },
		func() (*tfprotov6.GetProviderSchemaResponse, error) {
			return &tfprotov6.GetProviderSchemaResponse{Diagnostics: []*tfprotov6.Diagnostic{{
				Severity: tfprotov6.DiagnosticSeverityError, Summary: "Schema error",
			}}}, nil
		},
		func() (*tfprotov6.GetProviderSchemaResponse, error) { return good, nil },
	}}
	s := &diagnosticsServer{frameworkServer: inner}
	ctx := context.Background()
	if b := s.schema(ctx, "resource", "mlops_thing"); b != nil {
		t.Fatal("a block although GetProviderSchema failed")
	}
	if b := s.schema(ctx, "resource", "mlops_thing"); b != nil {
		t.Fatal("a block although GetProviderSchema answered with an error")
	}
	for range 3 {
		if b := s.schema(ctx, "resource", "mlops_thing"); b != testBlock {
			t.Fatalf("after GetProviderSchema's failures, the schemas it then gives: got %v", b)
		}
	}
	if inner.calls != 3 {
		t.Errorf("GetProviderSchema called %d times, want 3 (twice failing, then once)", inner.calls)
	}
}

// RPCs run concurrently: the first ones to need the schemas wait for one
// GetProviderSchema, and all get the same schemas (go test -race).
func TestSchemaConcurrently(t *testing.T) {
	srv, err := NewServer("test")()
	if err != nil {
		t.Fatal(err)
	}
	s := srv.(*diagnosticsServer)
	var wg sync.WaitGroup
	blocks := make([]*tfprotov6.SchemaBlock, 8)
	for i := range blocks {
		wg.Go(func() { blocks[i] = s.schema(context.Background(), "", "") })
	}
	wg.Wait()
	for i, b := range blocks {
		if b == nil || b != blocks[0] {
			t.Fatalf("call %d: provider block %p, first call's %p", i, b, blocks[0])
		}
	}
}
