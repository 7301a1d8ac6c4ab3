package serving

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/conns"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
)

var _ datasource.DataSourceWithConfigure = &endpointDataSource{}

// NewEndpointDataSource returns the mlops_endpoint data source.
func NewEndpointDataSource() datasource.DataSource { return &endpointDataSource{} }

type endpointDataSource struct{ data *conns.ProviderData }

type endpointDataModel struct {
	ID              types.String `tfsdk:"id"`
	Name            types.String `tfsdk:"name"`
	Namespace       types.String `tfsdk:"namespace"`
	DeploymentMode  types.String `tfsdk:"deployment_mode"`
	RegisteredModel types.String `tfsdk:"registered_model"`
	ModelVersion    types.String `tfsdk:"model_version"`
	StorageURI      types.String `tfsdk:"storage_uri"`
	Format          types.String `tfsdk:"format"`
	Runtime         types.String `tfsdk:"runtime"`
	Protocol        types.String `tfsdk:"protocol"`
	URL             types.String `tfsdk:"url"`
	Ready           types.Bool   `tfsdk:"ready"`
	Traffic         types.Map    `tfsdk:"traffic"`
	Conditions      types.List   `tfsdk:"conditions"`
}

func (d *endpointDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_endpoint"
}

func (d *endpointDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a KServe InferenceService: its URL, readiness, traffic split, conditions and the model it serves.",
		Attributes: map[string]schema.Attribute{
			"id":               computed("`<namespace>/<name>`."),
			"name":             schema.StringAttribute{Required: true, MarkdownDescription: "Name of the InferenceService.", Validators: []validator.String{validate.DNS1035Label()}},
			"namespace":        schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Namespace; default: the provider's `namespace`.", Validators: []validator.String{validate.DNSLabel()}},
			"deployment_mode":  computed("`Standard` or `Knative`."),
			"registered_model": computed("Registered model served, when the endpoint was made by this provider from a registry reference."),
			"model_version":    computed("Registry version served, when known."),
			"storage_uri":      computed("Storage URI of the predictor's model."),
			"format":           computed("Model format; null for a custom server (`container`)."),
			"runtime":          computed("ServingRuntime, if set."),
			"protocol":         computed("Inference protocol."),
			"url":              computed("URL of the endpoint."),
			"ready":            schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether KServe reports the current generation `Ready`."},
			"traffic":          schema.MapAttribute{Computed: true, ElementType: types.Int64Type, MarkdownDescription: "Traffic split: `model` and, when a canary serves, `canary` → percent."},
			"conditions": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "KServe's status conditions.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"type": computed("Condition type."), "status": computed("`True`, `False` or `Unknown`."),
					"reason": computed("Reason."), "message": computed("Message."),
				}},
			},
		},
	}
}

func (d *endpointDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = conns.FromConfigure(req.ProviderData, &resp.Diagnostics)
}

func (d *endpointDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m endpointDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || d.data == nil {
		return
	}
	c := conns.Kube(d.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := kube.ID{Namespace: m.Namespace.ValueString(), Name: m.Name.ValueString()}
	if m.Namespace.IsNull() || m.Namespace.IsUnknown() {
		id.Namespace = d.data.Namespace
	}
	obj, err := c.Get(ctx, InferenceServiceGVR, id.Namespace, id.Name)
	if err != nil {
		if kube.IsObjectNotFound(err) {
			resp.Diagnostics.AddError("Error reading endpoint", "The InferenceService "+id.String()+" does not exist.")
			return
		}
		addKubeError(&resp.Diagnostics, "reading", id, err)
		return
	}
	live := fromObject(obj)
	var st endpointModel
	flattenStatus(obj, &st)
	m.ID = types.StringValue(id.String())
	m.Namespace = types.StringValue(id.Namespace)
	m.DeploymentMode = types.StringValue(live.Mode)
	m.RegisteredModel = tfval.OptString(live.Model.Ref.RegisteredModel)
	m.ModelVersion = tfval.OptString(live.Model.Ref.ResolvedVersion)
	m.StorageURI = types.StringValue(live.Model.StorageURI)
	m.Format = tfval.OptString(live.Model.Format) // null for a custom server
	m.Runtime = tfval.OptString(live.Model.Runtime)
	m.Protocol = tfval.OptString(live.Model.Protocol)
	m.URL, m.Ready, m.Traffic, m.Conditions = st.URL, st.Ready, st.Traffic, st.Conditions
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
