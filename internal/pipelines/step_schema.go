package pipelines

import (
	"fmt"

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

// This file is the schema of a step (and of the exit handler, a step
// without a place in the DAG), with its framework types.

type stepModel struct {
	Name           types.String `tfsdk:"name"`
	Image          types.String `tfsdk:"image"`
	Command        types.List   `tfsdk:"command"`
	Args           types.List   `tfsdk:"args"`
	DependsOn      types.List   `tfsdk:"depends_on"`
	Env            types.Map    `tfsdk:"env"`
	Resources      types.Object `tfsdk:"resources"`
	Retries        types.Int64  `tfsdk:"retries"`
	Timeout        types.String `tfsdk:"timeout"`
	Outputs        types.Object `tfsdk:"outputs"`
	Inputs         types.Object `tfsdk:"inputs"`
	When           types.String `tfsdk:"when"`
	WithItems      types.List   `tfsdk:"with_items"`
	Retry          types.Object `tfsdk:"retry"`
	EnvFromSecrets types.Map    `tfsdk:"env_from_secrets"`
	Volumes        types.List   `tfsdk:"volumes"`
	NodeSelector   types.Map    `tfsdk:"node_selector"`
	Tolerations    types.List   `tfsdk:"tolerations"`
}

type exitModel struct {
	Image          types.String `tfsdk:"image"`
	Command        types.List   `tfsdk:"command"`
	Args           types.List   `tfsdk:"args"`
	Env            types.Map    `tfsdk:"env"`
	EnvFromSecrets types.Map    `tfsdk:"env_from_secrets"`
}

type resourcesModel struct {
	CPU    types.String `tfsdk:"cpu"`
	Memory types.String `tfsdk:"memory"`
	GPU    types.Int64  `tfsdk:"gpu"`
}

type outputsModel struct {
	Parameters types.Map `tfsdk:"parameters"`
	Artifacts  types.Map `tfsdk:"artifacts"`
}

type inputsModel struct {
	Artifacts types.Map `tfsdk:"artifacts"`
}

type retryModel struct {
	Limit   types.Int64  `tfsdk:"limit"`
	Policy  types.String `tfsdk:"policy"`
	Backoff types.Object `tfsdk:"backoff"`
}

type backoffModel struct {
	Duration    types.String `tfsdk:"duration"`
	Factor      types.Int64  `tfsdk:"factor"`
	MaxDuration types.String `tfsdk:"max_duration"`
}

type volumeModel struct {
	Name      types.String `tfsdk:"name"`
	MountPath types.String `tfsdk:"mount_path"`
	EmptyDir  types.Bool   `tfsdk:"empty_dir"`
	PVC       types.String `tfsdk:"pvc"`
	Secret    types.String `tfsdk:"secret"`
	ConfigMap types.String `tfsdk:"config_map"`
}

var (
	stringList         = types.ListType{ElemType: types.StringType}
	stringMapType      = types.MapType{ElemType: types.StringType}
	resourcesAttrTypes = map[string]attr.Type{"cpu": types.StringType, "memory": types.StringType, "gpu": types.Int64Type}
	outputsAttrTypes   = map[string]attr.Type{"parameters": stringMapType, "artifacts": stringMapType}
	inputArtifactTypes = map[string]attr.Type{"from": types.StringType, "path": types.StringType}
	inputArtifactType  = types.ObjectType{AttrTypes: inputArtifactTypes}
	inputsAttrTypes    = map[string]attr.Type{"artifacts": types.MapType{ElemType: inputArtifactType}}
	backoffAttrTypes   = map[string]attr.Type{"duration": types.StringType, "factor": types.Int64Type, "max_duration": types.StringType}
	retryAttrTypes     = map[string]attr.Type{"limit": types.Int64Type, "policy": types.StringType, "backoff": types.ObjectType{AttrTypes: backoffAttrTypes}}
	volumeAttrTypes    = map[string]attr.Type{
		"name": types.StringType, "mount_path": types.StringType, "empty_dir": types.BoolType,
		"pvc": types.StringType, "secret": types.StringType, "config_map": types.StringType,
	}
	volumeType    = types.ObjectType{AttrTypes: volumeAttrTypes}
	stepAttrTypes = map[string]attr.Type{
		"name": types.StringType, "image": types.StringType, "command": stringList, "args": stringList,
		"depends_on": stringList, "env": stringMapType,
		"resources": types.ObjectType{AttrTypes: resourcesAttrTypes}, "retries": types.Int64Type, "timeout": types.StringType,
		"outputs": types.ObjectType{AttrTypes: outputsAttrTypes}, "inputs": types.ObjectType{AttrTypes: inputsAttrTypes},
		"when": types.StringType, "with_items": stringList, "retry": types.ObjectType{AttrTypes: retryAttrTypes},
		"env_from_secrets": types.MapType{ElemType: workload.SecretKeyType}, "volumes": types.ListType{ElemType: volumeType},
		"node_selector": stringMapType, "tolerations": types.ListType{ElemType: workload.TolerationType},
	}
	stepType      = types.ObjectType{AttrTypes: stepAttrTypes}
	exitAttrTypes = map[string]attr.Type{
		"image": types.StringType, "command": stringList, "args": stringList, "env": stringMapType,
		"env_from_secrets": types.MapType{ElemType: workload.SecretKeyType},
	}
)

// retryPolicies are Argo's retryPolicy values.
var retryPolicies = []string{"Always", "OnFailure", "OnError", "OnTransientError"}

// containerAttributes are what a step and the exit handler share.
func containerAttributes(what string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"image": schema.StringAttribute{Required: true, MarkdownDescription: "Container image.", Validators: []validator.String{validate.NotBlank()}},
		"command": schema.ListAttribute{Optional: true, ElementType: types.StringType,
			MarkdownDescription: "Command. Give one: without it Argo looks the image's entrypoint up in its registry, which fails for private registries."},
		"args":             schema.ListAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Arguments."},
		"env":              schema.MapAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Environment variables.", Validators: []validator.Map{validate.EnvVarNames()}},
		"env_from_secrets": workload.EnvFromSecretsAttribute(what),
	}
}

// stepAttributes is the schema of one step.
func stepAttributes() map[string]schema.Attribute {
	attrs := containerAttributes("the step")
	attrs["name"] = schema.StringAttribute{
		Required: true, MarkdownDescription: "Step name: a DNS label, unique in the pipeline.",
		Validators: []validator.String{validate.DNSLabel()},
	}
	attrs["depends_on"] = schema.ListAttribute{
		Optional: true, ElementType: types.StringType,
		MarkdownDescription: "Steps that must succeed before this one starts.",
	}
	attrs["resources"] = schema.SingleNestedAttribute{
		Optional: true, MarkdownDescription: "Requests and limits (each value is used for both).",
		Attributes: map[string]schema.Attribute{
			"cpu":    schema.StringAttribute{Optional: true, MarkdownDescription: "CPU, such as `\"2\"`.", Validators: []validator.String{validate.Quantity()}},
			"memory": schema.StringAttribute{Optional: true, MarkdownDescription: "Memory, such as `\"8Gi\"`.", Validators: []validator.String{validate.Quantity()}},
			"gpu": schema.Int64Attribute{Optional: true, MarkdownDescription: fmt.Sprintf("GPUs (`nvidia.com/gpu`), 0 to %d.", validate.MaxGPUs),
				Validators: []validator.Int64{validate.GPUCount()}},
		},
	}
	attrs["retries"] = schema.Int64Attribute{
		Optional: true, MarkdownDescription: "Retries of a failed step (`retryStrategy.limit`). Conflicts with `retry`, which also sets the policy and backoff.",
		Validators: []validator.Int64{int64validator.Between(0, validate.MaxInt32)},
	}
	attrs["timeout"] = schema.StringAttribute{
		Optional: true, MarkdownDescription: "Time limit of the step (`activeDeadlineSeconds`, whole seconds), such as `\"2h\"`; at least `\"1s\"`.",
		Validators: []validator.String{validate.Duration(), validate.ByProblem("Step timeout too short", "must be at least 1s", stepTimeoutProblem)},
	}
	for k, v := range dataflowAttributes() {
		attrs[k] = v
	}
	for k, v := range placementAttributes() {
		attrs[k] = v
	}
	return attrs
}

// dataflowAttributes are a step's outputs, inputs, condition, fan-out and
// retry strategy.
func dataflowAttributes() map[string]schema.Attribute {
	paramNames := ParamNames("Invalid output name")
	return map[string]schema.Attribute{
		"outputs": schema.SingleNestedAttribute{
			Optional: true, MarkdownDescription: "What the step hands to later steps.",
			Attributes: map[string]schema.Attribute{
				"parameters": schema.MapAttribute{Optional: true, ElementType: types.StringType, Validators: []validator.Map{paramNames},
					MarkdownDescription: "Output parameters: name → file the step writes the value to, such as `{ rows = \"/tmp/rows\" }`. " +
						"Later steps read it as `{{tasks.<step>.outputs.parameters.<name>}}` in `command`, `args`, `env` or `when`."},
				"artifacts": schema.MapAttribute{Optional: true, ElementType: types.StringType, Validators: []validator.Map{paramNames},
					MarkdownDescription: "Output artifacts: name → file or directory the step writes, stored in `artifact_repository`. " +
						"Later steps read it through `inputs.artifacts`."},
			},
		},
		"inputs": schema.SingleNestedAttribute{
			Optional: true, MarkdownDescription: "What the step reads from earlier steps.",
			Attributes: map[string]schema.Attribute{
				"artifacts": schema.MapNestedAttribute{
					Optional: true, Validators: []validator.Map{paramNames},
					MarkdownDescription: "Input artifacts: name → `{ from = \"<step>.<artifact>\", path = \"/data/in\" }`. The step named must run before this one and declare the artifact (checked at plan).",
					NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
						"from": schema.StringAttribute{Required: true, MarkdownDescription: "`<step>.<artifact>`: an output artifact of an earlier step."},
						"path": schema.StringAttribute{Required: true, MarkdownDescription: "Where the step finds it.", Validators: []validator.String{absolutePath()}},
					}},
				},
			},
		},
		"when": schema.StringAttribute{
			Optional: true, Validators: []validator.String{validate.NotBlank()},
			MarkdownDescription: "Run the step only when this Argo expression is true, such as `\"{{workflow.parameters.retrain}} == true\"` or " +
				"`\"{{tasks.evaluate.outputs.parameters.accuracy}} >= 0.9\"`; otherwise Argo skips it (and the steps that depend on it).",
		},
		"with_items": schema.ListAttribute{
			Optional: true, ElementType: types.StringType, Validators: []validator.List{listvalidator.SizeAtLeast(1)},
			MarkdownDescription: "Fan out: one run of the step per item, each with the item as `{{item}}` (Argo's `withItems`).",
		},
		"retry": retryAttribute(),
	}
}

func retryAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true, MarkdownDescription: "Retry strategy (`retryStrategy`). Conflicts with `retries`. An import reads a bare limit (no `policy`, no `backoff`) as `retries`.",
		Attributes: map[string]schema.Attribute{
			"limit": schema.Int64Attribute{Required: true, MarkdownDescription: "Retries after the first attempt.",
				Validators: []validator.Int64{int64validator.Between(0, validate.MaxInt32)}},
			"policy": schema.StringAttribute{Optional: true, Validators: []validator.String{stringvalidator.OneOf(retryPolicies...)},
				MarkdownDescription: "What is retried: `Always`, `OnFailure` (Argo's default: the container failed), `OnError` (Argo or Kubernetes failed) or `OnTransientError`."},
			"backoff": schema.SingleNestedAttribute{
				Optional: true, MarkdownDescription: "Wait between attempts.",
				Attributes: map[string]schema.Attribute{
					"duration": schema.StringAttribute{Required: true, MarkdownDescription: "First wait, such as `\"10s\"`.", Validators: []validator.String{validate.Duration()}},
					"factor": schema.Int64Attribute{Optional: true, MarkdownDescription: "Each wait is the last times this.",
						Validators: []validator.Int64{int64validator.Between(1, validate.MaxInt32)}},
					"max_duration": schema.StringAttribute{Optional: true, MarkdownDescription: "No retry starts after this long, such as `\"5m\"`.", Validators: []validator.String{validate.Duration()}},
				},
			},
		},
	}
}

// placementAttributes are a step's volumes and the nodes it may run on.
func placementAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"volumes": schema.ListNestedAttribute{
			Optional: true, MarkdownDescription: "Volumes mounted into the step's container; each has exactly one of `empty_dir`, `pvc`, `secret` and `config_map`.",
			NestedObject: schema.NestedAttributeObject{
				Attributes: map[string]schema.Attribute{
					"name":       schema.StringAttribute{Required: true, MarkdownDescription: "Volume name, unique in the step.", Validators: []validator.String{validate.DNSLabel()}},
					"mount_path": schema.StringAttribute{Required: true, MarkdownDescription: "Where the container sees it.", Validators: []validator.String{absolutePath()}},
					"empty_dir":  schema.BoolAttribute{Optional: true, MarkdownDescription: "A scratch directory that lives as long as the step's pod."},
					"pvc":        schema.StringAttribute{Optional: true, MarkdownDescription: "Name of a PersistentVolumeClaim.", Validators: []validator.String{validate.KubeName()}},
					"secret":     schema.StringAttribute{Optional: true, MarkdownDescription: "Name of a Secret, its keys as files.", Validators: []validator.String{validate.KubeName()}},
					"config_map": schema.StringAttribute{Optional: true, MarkdownDescription: "Name of a ConfigMap, its keys as files.", Validators: []validator.String{validate.KubeName()}},
				},
				Validators: []validator.Object{oneVolumeSource{}},
			},
		},
		"node_selector": schema.MapAttribute{
			Optional: true, ElementType: types.StringType, Validators: []validator.Map{validate.NodeSelector()},
			MarkdownDescription: "Node labels the step's pod must run on, such as `{ pool = \"gpu\" }`.",
		},
		"tolerations": workload.TolerationsAttribute("the step's pod"),
	}
}

// exitAttribute is on_exit: the exit handler.
func exitAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "A container that runs after the steps, whether they succeeded or failed (Argo's `onExit`): a notification, say. " +
			"It sees the outcome as `{{workflow.status}}` (`Succeeded`, `Failed` or `Error`).",
		Attributes: containerAttributes("the exit handler"),
	}
}
