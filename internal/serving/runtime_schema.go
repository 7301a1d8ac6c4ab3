package serving

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
)

// runtimeModel is mlops_serving_runtime's Terraform model.
type runtimeModel struct {
	ID          types.String   `tfsdk:"id"`
	Name        types.String   `tfsdk:"name"`
	Namespace   types.String   `tfsdk:"namespace"`
	ClusterWide types.Bool     `tfsdk:"cluster_wide"`
	Formats     types.List     `tfsdk:"formats"`
	Protocols   types.List     `tfsdk:"protocols"`
	Container   types.Object   `tfsdk:"container"`
	Disabled    types.Bool     `tfsdk:"disabled"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

type runtimeFormatModel struct {
	Name       types.String `tfsdk:"name"`
	Version    types.String `tfsdk:"version"`
	AutoSelect types.Bool   `tfsdk:"auto_select"`
	Priority   types.Int64  `tfsdk:"priority"`
}

var runtimeFormatAttrTypes = map[string]attr.Type{
	"name": types.StringType, "version": types.StringType, "auto_select": types.BoolType, "priority": types.Int64Type,
}

func runtimeSchema(ctx context.Context) schema.Schema {
	return schema.Schema{
		MarkdownDescription: "A KServe serving runtime: the server image that runs models of the formats it declares. A `ServingRuntime` in `namespace`, " +
			"or with `cluster_wide = true` a `ClusterServingRuntime` for every namespace. An `mlops_endpoint` whose `model.format` is one of `formats` " +
			"(with `auto_select`) runs this image, such as vLLM for `format = \"vllm\"`; or name the runtime in the endpoint's `model.runtime`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "`<namespace>/<name>`, or `<name>` when cluster-wide.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: "Name of the runtime, which endpoints name in `model.runtime`. Changing it replaces the runtime.",
				Validators:    []validator.String{validate.KubeName()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"namespace": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Namespace of a `ServingRuntime`; default: the provider's `namespace`. Null when `cluster_wide`. Changing it replaces the runtime.",
				Validators:          []validator.String{validate.DNSLabel(), stringvalidator.ConflictsWith(path.MatchRoot("cluster_wide"))},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"cluster_wide": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "A `ClusterServingRuntime`, in reach of endpoints in every namespace. Default `false`. Changing it replaces the runtime.",
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
			},
			"formats": schema.ListNestedAttribute{
				Required:            true,
				MarkdownDescription: "Model formats the runtime serves (`supportedModelFormats`).",
				Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":    schema.StringAttribute{Required: true, MarkdownDescription: "Format name, such as `vllm` or `sklearn`: an endpoint's `model.format`.", Validators: []validator.String{validate.NotBlank()}},
					"version": schema.StringAttribute{Optional: true, MarkdownDescription: "Format version, matched against an endpoint's `model.format_version`."},
					"auto_select": schema.BoolAttribute{Optional: true,
						MarkdownDescription: "Whether KServe picks this runtime for endpoints of the format that name no runtime. Without it, endpoints must name the runtime in `model.runtime`."},
					"priority": schema.Int64Attribute{Optional: true, MarkdownDescription: "Preference among runtimes that auto-select the same format: the highest wins.",
						Validators: []validator.Int64{int64validator.Between(1, validate.MaxInt32)}},
				}},
			},
			"protocols": schema.ListAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Inference protocols the server speaks (`protocolVersions`): `v1`, `v2`, `grpc-v1`, `grpc-v2`. Unset, KServe takes any.",
				Validators:          []validator.List{listvalidator.ValueStringsAre(stringvalidator.OneOf("v1", "v2", "grpc-v1", "grpc-v2"))},
			},
			"container": schema.SingleNestedAttribute{
				Required: true,
				MarkdownDescription: "The server's container (`kserve-container`). KServe fills `{{.Name}}` in its arguments with the endpoint's name, " +
					"and downloads the model into `/mnt/models`.",
				Attributes: containerAttributes("the runtime's server"),
			},
			"disabled": schema.BoolAttribute{
				Optional: true, MarkdownDescription: "Disable the runtime: KServe picks it for no endpoint.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}
