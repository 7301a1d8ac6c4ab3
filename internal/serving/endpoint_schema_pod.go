package serving

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// The endpoint's attributes for where, as whom and what runs: pod, a custom
// container, a transformer, and KEDA's Prometheus scaling.

type podModel struct {
	ServiceAccount   types.String `tfsdk:"service_account"`
	NodeSelector     types.Map    `tfsdk:"node_selector"`
	Tolerations      types.List   `tfsdk:"tolerations"`
	ImagePullSecrets types.List   `tfsdk:"image_pull_secrets"`
	PriorityClass    types.String `tfsdk:"priority_class"`
}

type containerModel struct {
	Image          types.String `tfsdk:"image"`
	Command        types.List   `tfsdk:"command"`
	Args           types.List   `tfsdk:"args"`
	Port           types.Int64  `tfsdk:"port"`
	Env            types.Map    `tfsdk:"env"`
	EnvFromSecrets types.Map    `tfsdk:"env_from_secrets"`
	Resources      types.Object `tfsdk:"resources"`
}

// transformerModel is a container with its own replicas.
type transformerModel struct {
	containerModel
	MinReplicas types.Int64 `tfsdk:"min_replicas"`
	MaxReplicas types.Int64 `tfsdk:"max_replicas"`
}

type prometheusModel struct {
	Server types.String `tfsdk:"server"`
	Query  types.String `tfsdk:"query"`
	Target types.String `tfsdk:"target"`
}

var (
	stringList         = types.ListType{ElemType: types.StringType}
	stringMap          = types.MapType{ElemType: types.StringType}
	podAttrTypes       = map[string]attr.Type{"service_account": types.StringType, "node_selector": stringMap, "tolerations": types.ListType{ElemType: workload.TolerationType}, "image_pull_secrets": stringList, "priority_class": types.StringType}
	containerAttrTypes = map[string]attr.Type{
		"image": types.StringType, "command": stringList, "args": stringList, "port": types.Int64Type, "env": stringMap,
		"env_from_secrets": types.MapType{ElemType: workload.SecretKeyType}, "resources": types.ObjectType{AttrTypes: workload.ResourcesAttrTypes},
	}
	transformerAttrTypes = withAttrTypes(containerAttrTypes, map[string]attr.Type{"min_replicas": types.Int64Type, "max_replicas": types.Int64Type})
	prometheusAttrTypes  = map[string]attr.Type{"server": types.StringType, "query": types.StringType, "target": types.StringType}
)

func withAttrTypes(base, more map[string]attr.Type) map[string]attr.Type {
	out := map[string]attr.Type{}
	for _, m := range []map[string]attr.Type{base, more} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func podAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "The pods of the model and of the canary: as whom they run and where. A pod that cannot be scheduled " +
			"(no node matches, a taint not tolerated) fails the wait with the scheduler's own message.",
		Attributes: map[string]schema.Attribute{
			"service_account": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "ServiceAccount of the pods (`serviceAccountName`). KServe's storage initializer takes the credentials of a private bucket " +
					"from the Secrets this account lists (for S3, Secrets annotated `serving.kserve.io/s3-endpoint` and so on), so no key is in the Terraform state.",
				Validators: []validator.String{validate.KubeName()},
			},
			"node_selector": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Labels that the node must have, such as `{ pool = \"gpu\" }`.",
				Validators:          []validator.Map{validate.NodeSelector()},
			},
			"tolerations": workload.TolerationsAttribute("the pods"),
			"image_pull_secrets": schema.ListAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Secrets with the credentials of private image registries.",
				Validators:          []validator.List{listvalidator.ValueStringsAre(validate.KubeName())},
			},
			"priority_class": schema.StringAttribute{
				Optional: true, MarkdownDescription: "PriorityClass of the pods (`priorityClassName`).",
				Validators: []validator.String{validate.KubeName()},
			},
		},
	}
}

// containerAttributes are a user's container: a custom model server or a
// transformer.
func containerAttributes(what string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"image": schema.StringAttribute{Required: true, MarkdownDescription: "Image of " + what + ", such as `ghcr.io/acme/churn-server:1.4`.",
			Validators: []validator.String{validate.NotBlank()}},
		"command": schema.ListAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Command (the image's entrypoint when unset)."},
		"args":    schema.ListAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Arguments."},
		"port": schema.Int64Attribute{Optional: true, MarkdownDescription: "Port the server listens on (KServe's default: 8080).",
			Validators: []validator.Int64{int64validator.Between(1, 65535)}},
		"env": schema.MapAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Environment variables.",
			Validators: []validator.Map{validate.EnvVarNames()}},
		"env_from_secrets": workload.EnvFromSecretsAttribute(what),
		"resources":        workload.ResourcesAttribute(what),
	}
}

func containerAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "A custom model server, such as vLLM or your own image, run as KServe's `kserve-container` instead of the runtime that " +
			"KServe picks for `model.format`; conflicts with `model.format`, `format_version`, `runtime`, `protocol`, `args`, `env`, `env_from_secrets` and `resources` " +
			"(set them here). The model's storage URI is passed as `STORAGE_URI`, so KServe's storage initializer downloads it into `/mnt/models`. " +
			"The canary and a rollout run the same container with their own model; a change of the image or its arguments is rolled out like a new model. " +
			"An import leaves `resources` out: KServe's webhook writes default resources into the same container, so configured ones cannot be told from defaults.",
		Attributes: containerAttributes("the model server"),
	}
}

func transformerAttribute() schema.SingleNestedAttribute {
	attrs := containerAttributes("the transformer")
	attrs["min_replicas"] = schema.Int64Attribute{Optional: true, MarkdownDescription: "Minimum replicas of the transformer.",
		Validators: []validator.Int64{int64validator.Between(1, validate.MaxInt32)}}
	attrs["max_replicas"] = schema.Int64Attribute{Optional: true, MarkdownDescription: "Maximum replicas of the transformer.",
		Validators: []validator.Int64{int64validator.Between(1, validate.MaxInt32)}}
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "Pre- and post-processing in front of the predictor: KServe runs it as a Deployment of its own, `<name>-transformer`, " +
			"and sends it the requests, which it forwards to the predictor. Its readiness is part of the endpoint's `ready` and of the wait; removing it removes the Deployment. " +
			"With `scaling.class = \"keda\"` the transformer scales with KServe's default HPA (the Prometheus query scales the model).",
		Attributes: attrs,
	}
}

func prometheusAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "With `class = \"keda\"`: scale on a Prometheus query. KServe makes KEDA's `ScaledObject` with a `prometheus` trigger; " +
			"KEDA adds replicas while the query's value is above `target` per replica.",
		Attributes: map[string]schema.Attribute{
			"server": schema.StringAttribute{Required: true, MarkdownDescription: "Prometheus' address, such as `http://prometheus.monitoring:9090`.",
				Validators: []validator.String{validate.HTTPURL()}},
			"query": schema.StringAttribute{Required: true, MarkdownDescription: "PromQL query, such as `sum(rate(requests_total[1m]))`.",
				Validators: []validator.String{validate.NotBlank()}},
			"target": schema.StringAttribute{Required: true, MarkdownDescription: "Target value of the query (KEDA's `threshold`), such as `50` or `\"0.5\"`.",
				Validators: []validator.String{validate.Quantity()}},
		},
	}
}

func scalingClassAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true,
		MarkdownDescription: "KServe's autoscaler in Standard mode (`serving.kserve.io/autoscalerClass`): `hpa` (KServe's default: a HorizontalPodAutoscaler on `cpu` or `memory`), " +
			"`keda` (KEDA scales on `prometheus`; needs KEDA in the cluster), or `none` (exactly `min_replicas` replicas). Unset, KServe's default applies.",
		Validators: []validator.String{stringvalidator.OneOf(scalingClassHPA, scalingClassKEDA, scalingClassNone)},
	}
}

// Autoscaler classes.
const (
	scalingClassHPA  = "hpa"
	scalingClassKEDA = "keda"
	scalingClassNone = "none"
)
