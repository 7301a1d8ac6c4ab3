// Command floorprov is a provider that does nothing, for measuring what a
// plugin provider costs Terraform before any of its own work: the scale
// bench plans N of its resources next to N mlops_endpoint and N
// terraform_data. Its resources keep what they are given and read nothing:
//
//	floor_min       one `input` attribute and an `id`: the cost of being a
//	                plugin (four gRPC calls a resource a plan, the plugin
//	                framework's handling of a tiny schema);
//	floor_endpoint  mlops_endpoint's schema, validators and plan modifiers
//	                included, with none of its code behind it: what the
//	                schema alone costs Terraform and the framework;
//	floor_bare      the same schema without validators, plan modifiers
//	                and defaults: what its shape alone costs;
//	floor_registered_model, floor_model_version, floor_model_alias
//	                the registry resources' schemas, the same way: the
//	                schema floor of the scale bench's registry triples;
//	floor_w10, floor_w20, floor_w40
//	                floor_min with 10, 20 or 40 more optional string
//	                attributes, left null: how the cost grows with a
//	                schema's width (bench/width.sh).
//
// It runs with the provider's process settings (SDK logs off unless asked
// for, the same GOGC), so the differences are the schema's and the code's,
// and writes profiles as bench/profile does (MLOPS_BENCH_PROFILE_DIR).
package main

import (
	"context"
	"fmt"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/mlopsprovider/terraform-provider-mlops/bench/internal/profiling"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/protocol"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/registry"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/serving"
)

func main() {
	stop := profiling.Start()
	protocol.QuietUnreadSDKLogs()
	protocol.TuneGC()
	err := providerserver.Serve(context.Background(), func() provider.Provider { return floorProvider{} },
		providerserver.ServeOpts{Address: "registry.terraform.io/mlopsprovider/floor", ProtocolVersion: 6})
	stop()
	if err != nil {
		log.Fatal(err)
	}
}

type floorProvider struct{}

func (floorProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "floor"
}

func (floorProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (floorProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (floorProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

func (floorProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		func() resource.Resource { return echo{name: "min", schema: minSchema()} },
		func() resource.Resource {
			return echo{name: "endpoint", schema: servedSchema(serving.NewEndpointResource())}
		},
		func() resource.Resource {
			return echo{name: "bare", schema: bare(servedSchema(serving.NewEndpointResource()))}
		},
		func() resource.Resource {
			return echo{name: "registered_model", schema: servedSchema(registry.NewRegisteredModelResource()), fill: true}
		},
		func() resource.Resource {
			return echo{name: "model_version", schema: servedSchema(registry.NewModelVersionResource()), fill: true}
		},
		func() resource.Resource {
			return echo{name: "model_alias", schema: servedSchema(registry.NewModelAliasResource()), fill: true}
		},
		func() resource.Resource { return echo{name: "w10", schema: wideSchema(10)} },
		func() resource.Resource { return echo{name: "w20", schema: wideSchema(20)} },
		func() resource.Resource { return echo{name: "w40", schema: wideSchema(40)} },
	}
}

func minSchema() schema.Schema {
	return schema.Schema{Attributes: map[string]schema.Attribute{
		"id": schema.StringAttribute{Computed: true,
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"input": schema.StringAttribute{Required: true},
	}}
}

// wideSchema is minSchema with k more optional string attributes, a1 to ak.
func wideSchema(k int) schema.Schema {
	s := minSchema()
	for i := 1; i <= k; i++ {
		s.Attributes[fmt.Sprintf("a%d", i)] = schema.StringAttribute{Optional: true}
	}
	return s
}

// servedSchema is r's schema, as the provider serves it.
func servedSchema(r resource.Resource) schema.Schema {
	var resp resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		log.Fatalf("%T's schema: %v", r, resp.Diagnostics)
	}
	return resp.Schema
}

// echo stores its plan, with every value still unknown made null (with
// fill, an unknown string becomes "1": the version number an alias refers
// to must be known, and a number), and reads nothing back.
type echo struct {
	name   string
	schema schema.Schema
	fill   bool
}

func (e echo) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + e.name
}

func (e echo) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = e.schema
}

func (e echo) Create(_ context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	resp.State.Raw = known(req.Plan.Raw, e.fill)
}

func (e echo) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (e echo) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = known(req.Plan.Raw, e.fill)
}

func (e echo) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// known makes every unknown value in v null, except a top-level id, which
// becomes "floor", and, with fill, any other string, which becomes "1".
func known(v tftypes.Value, fill bool) tftypes.Value {
	out, err := tftypes.Transform(v, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if v.IsKnown() {
			return v, nil
		}
		if fill && v.Type().Is(tftypes.String) && !p.Equal(tftypes.NewAttributePath().WithAttributeName("id")) {
			return tftypes.NewValue(tftypes.String, "1"), nil
		}
		if p.Equal(tftypes.NewAttributePath().WithAttributeName("id")) {
			return tftypes.NewValue(tftypes.String, "floor"), nil
		}
		return tftypes.NewValue(v.Type(), nil), nil
	})
	if err != nil {
		log.Fatal(err)
	}
	return out
}

// bare is s without validators, plan modifiers and defaults: its shape alone.
func bare(s schema.Schema) schema.Schema {
	s.Attributes = bareAttrs(s.Attributes)
	return s
}

func bareAttrs(in map[string]schema.Attribute) map[string]schema.Attribute {
	out := make(map[string]schema.Attribute, len(in))
	for k, a := range in {
		out[k] = bareAttr(a)
	}
	return out
}

func bareAttr(a schema.Attribute) schema.Attribute {
	switch a := a.(type) {
	case schema.StringAttribute:
		a.Validators, a.PlanModifiers, a.Default = nil, nil, nil
		return a
	case schema.Int64Attribute:
		a.Validators, a.PlanModifiers, a.Default = nil, nil, nil
		return a
	case schema.BoolAttribute:
		a.Validators, a.PlanModifiers, a.Default = nil, nil, nil
		return a
	case schema.ListAttribute:
		a.Validators, a.PlanModifiers, a.Default = nil, nil, nil
		return a
	case schema.MapAttribute:
		a.Validators, a.PlanModifiers, a.Default = nil, nil, nil
		return a
	case schema.SingleNestedAttribute:
		a.Validators, a.PlanModifiers, a.Default = nil, nil, nil
		a.Attributes = bareAttrs(a.Attributes)
		return a
	case schema.ListNestedAttribute:
		a.Validators, a.PlanModifiers, a.Default = nil, nil, nil
		a.NestedObject.Validators, a.NestedObject.PlanModifiers = nil, nil
		a.NestedObject.Attributes = bareAttrs(a.NestedObject.Attributes)
		return a
	case schema.MapNestedAttribute:
		a.Validators, a.PlanModifiers, a.Default = nil, nil, nil
		a.NestedObject.Validators, a.NestedObject.PlanModifiers = nil, nil
		a.NestedObject.Attributes = bareAttrs(a.NestedObject.Attributes)
		return a
	}
	log.Fatalf("bare: %T", a)
	return nil
}
