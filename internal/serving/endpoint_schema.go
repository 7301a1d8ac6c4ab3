package serving

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// endpointModel is the resource's Terraform model.
type endpointModel struct {
	ID             types.String   `tfsdk:"id"`
	Name           types.String   `tfsdk:"name"`
	Namespace      types.String   `tfsdk:"namespace"`
	DeploymentMode types.String   `tfsdk:"deployment_mode"`
	Labels         types.Map      `tfsdk:"labels"`
	Annotations    types.Map      `tfsdk:"annotations"`
	Model          types.Object   `tfsdk:"model"`
	Canary         types.Object   `tfsdk:"canary"`
	Scaling        types.Object   `tfsdk:"scaling"`
	Rollout        types.Object   `tfsdk:"rollout"`
	Logger         types.Object   `tfsdk:"logger"`
	Batcher        types.Object   `tfsdk:"batcher"`
	Container      types.Object   `tfsdk:"container"`
	Transformer    types.Object   `tfsdk:"transformer"`
	Pod            types.Object   `tfsdk:"pod"`
	RequestTimeout types.String   `tfsdk:"request_timeout"`
	Concurrency    types.Int64    `tfsdk:"container_concurrency"`
	WaitForReady   types.Bool     `tfsdk:"wait_for_ready"`
	URL            types.String   `tfsdk:"url"`
	Ready          types.Bool     `tfsdk:"ready"`
	Traffic        types.Map      `tfsdk:"traffic"`
	Conditions     types.List     `tfsdk:"conditions"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

type modelModel struct {
	RegisteredModel    types.String `tfsdk:"registered_model"`
	Version            types.String `tfsdk:"version"`
	Alias              types.String `tfsdk:"alias"`
	StorageURI         types.String `tfsdk:"storage_uri"`
	Format             types.String `tfsdk:"format"`
	FormatVersion      types.String `tfsdk:"format_version"`
	Runtime            types.String `tfsdk:"runtime"`
	Protocol           types.String `tfsdk:"protocol"`
	Env                types.Map    `tfsdk:"env"`
	EnvFromSecrets     types.Map    `tfsdk:"env_from_secrets"`
	Args               types.List   `tfsdk:"args"`
	Resources          types.Object `tfsdk:"resources"`
	ResolvedVersion    types.String `tfsdk:"resolved_version"`
	ResolvedStorageURI types.String `tfsdk:"resolved_storage_uri"`
}

type canaryModel struct {
	RegisteredModel    types.String `tfsdk:"registered_model"`
	Version            types.String `tfsdk:"version"`
	Alias              types.String `tfsdk:"alias"`
	StorageURI         types.String `tfsdk:"storage_uri"`
	TrafficPercent     types.Int64  `tfsdk:"traffic_percent"`
	ResolvedVersion    types.String `tfsdk:"resolved_version"`
	ResolvedStorageURI types.String `tfsdk:"resolved_storage_uri"`
}

type scalingModel struct {
	MinReplicas types.Int64  `tfsdk:"min_replicas"`
	MaxReplicas types.Int64  `tfsdk:"max_replicas"`
	Metric      types.String `tfsdk:"metric"`
	Target      types.Int64  `tfsdk:"target"`
	Class       types.String `tfsdk:"class"`
	Prometheus  types.Object `tfsdk:"prometheus"`
}

type loggerModel struct {
	URL             types.String `tfsdk:"url"`
	Mode            types.String `tfsdk:"mode"`
	MetadataHeaders types.List   `tfsdk:"metadata_headers"`
}

type batcherModel struct {
	MaxBatchSize types.Int64 `tfsdk:"max_batch_size"`
	MaxLatency   types.Int64 `tfsdk:"max_latency"`
	Timeout      types.Int64 `tfsdk:"timeout"`
}

type rolloutModel struct {
	Steps    types.List   `tfsdk:"steps"`
	Interval types.String `tfsdk:"interval"`
}

var (
	resourcesAttrTypes = workload.ResourcesAttrTypes
	modelAttrTypes     = map[string]attr.Type{
		"registered_model": types.StringType, "version": types.StringType, "alias": types.StringType,
		"storage_uri": types.StringType, "format": types.StringType, "format_version": types.StringType,
		"runtime": types.StringType, "protocol": types.StringType, "env": types.MapType{ElemType: types.StringType},
		"resources":        types.ObjectType{AttrTypes: resourcesAttrTypes},
		"resolved_version": types.StringType, "resolved_storage_uri": types.StringType,
		"env_from_secrets": types.MapType{ElemType: workload.SecretKeyType}, "args": stringList,
	}
	canaryAttrTypes = map[string]attr.Type{
		"registered_model": types.StringType, "version": types.StringType, "alias": types.StringType,
		"storage_uri": types.StringType, "traffic_percent": types.Int64Type,
		"resolved_version": types.StringType, "resolved_storage_uri": types.StringType,
	}
	scalingAttrTypes = map[string]attr.Type{
		"min_replicas": types.Int64Type, "max_replicas": types.Int64Type, "metric": types.StringType, "target": types.Int64Type,
		"class": types.StringType, "prometheus": types.ObjectType{AttrTypes: prometheusAttrTypes},
	}
	conditionAttrTypes = map[string]attr.Type{
		"type": types.StringType, "status": types.StringType, "reason": types.StringType, "message": types.StringType,
	}
	conditionType   = types.ObjectType{AttrTypes: conditionAttrTypes}
	loggerAttrTypes = map[string]attr.Type{
		"url": types.StringType, "mode": types.StringType, "metadata_headers": types.ListType{ElemType: types.StringType},
	}
	batcherAttrTypes = map[string]attr.Type{"max_batch_size": types.Int64Type, "max_latency": types.Int64Type, "timeout": types.Int64Type}
)

// Deployment modes and protocols.
const (
	ModeStandard = "Standard"
	ModeKnative  = "Knative"
)

func registryRefAttributes(what string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"registered_model": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Registered model in the MLflow registry whose version " + what + " serves. Give exactly one of `version` or `alias` with it.",
			Validators:          []validator.String{validate.ModelName()},
		},
		"version": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Version of `registered_model`, such as `\"7\"`. Conflicts with `alias`.",
			Validators:          []validator.String{validate.VersionNumber()},
		},
		"alias": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "Alias of `registered_model`, such as `champion`, resolved against the registry during plan: " +
				"when the alias has moved since the last apply, the plan shows `resolved_version` changing, and applying it serves the new version. Conflicts with `version`.",
			Validators: []validator.String{validate.Alias()},
		},
		"storage_uri": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "Where the model's files are (`s3://`, `gs://`, `https://`, `pvc://`, `hf://`, …): alone, instead of a registry reference, " +
				"or with one, to override the version's storage location.",
			Validators: []validator.String{validate.ByProblem("Invalid storage URI", "must be a URI with a scheme, such as s3://bucket/path", validate.StorageURIProblem)},
		},
		"resolved_version": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "The registry version served: `version`, or what `alias` pointed at during the last plan. Null without a registry reference.",
		},
		"resolved_storage_uri": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "The storage URI served: `storage_uri`, else the registry version's storage location.",
		},
	}
}

// endpointCodec reads and writes whole endpoint models with the schema's
// type built once (see tfval.Codec).
var endpointCodec = tfval.ResourceCodec[endpointModel](NewEndpointResource())

func endpointSchema(ctx context.Context) schema.Schema {
	modelAttrs := registryRefAttributes("the endpoint")
	modelAttrs["format"] = schema.StringAttribute{
		Optional: true, Computed: true, PlanModifiers: []planmodifier.String{defaultWithoutContainer("mlflow")},
		MarkdownDescription: "Model format (`modelFormat.name`), such as `mlflow`, `sklearn`, `xgboost` or a format that an `mlops_serving_runtime` declares (`vllm`). " +
			"Default `mlflow`; null with `container`. KServe serves it with a runtime that declares the format with auto-select: a format that no " +
			"ServingRuntime in the namespace or ClusterServingRuntime declares is refused at plan, naming those that do (unless `runtime` names one).",
		Validators: []validator.String{validate.NotBlank()},
	}
	modelAttrs["format_version"] = schema.StringAttribute{Optional: true, MarkdownDescription: "Model format version (`modelFormat.version`)."}
	modelAttrs["runtime"] = schema.StringAttribute{
		Optional:            true,
		MarkdownDescription: "Name of a KServe `ServingRuntime` to use instead of KServe's choice for the format.",
	}
	modelAttrs["protocol"] = schema.StringAttribute{
		Optional: true, Computed: true, PlanModifiers: []planmodifier.String{defaultWithoutContainer("v2")},
		MarkdownDescription: "Inference protocol: `v1`, `v2`, `grpc-v1` or `grpc-v2`. Default `v2`; null with `container`, whose server speaks its own.",
		Validators:          []validator.String{stringvalidator.OneOf("v1", "v2", "grpc-v1", "grpc-v2")},
	}
	modelAttrs["env"] = schema.MapAttribute{
		Optional: true, ElementType: types.StringType,
		MarkdownDescription: "Environment variables of the model server.",
		Validators:          []validator.Map{validate.EnvVarNames()},
	}
	modelAttrs["env_from_secrets"] = workload.EnvFromSecretsAttribute("the model server")
	modelAttrs["args"] = schema.ListAttribute{
		Optional: true, ElementType: types.StringType,
		MarkdownDescription: "Extra arguments to the runtime's container, after the runtime's own, such as `[\"--workers=2\"]`.",
	}
	modelAttrs["resources"] = workload.ResourcesAttribute("the model server")

	canaryAttrs := registryRefAttributes("the canary")
	canaryAttrs["traffic_percent"] = schema.Int64Attribute{
		Required:            true,
		MarkdownDescription: "Share of requests that the canary receives, 0 to 100. `0` is a dark launch.",
		Validators:          []validator.Int64{int64validator.Between(0, 100)},
	}

	return schema.Schema{
		MarkdownDescription: "A model served behind an endpoint: one KServe `InferenceService` (`serving.kserve.io/v1beta1`), " +
			"with an optional canary, progressive rollout with automatic rollback, and waits you can tune. " +
			"The provider applies the object with server-side apply and compares only the fields it manages: defaults " +
			"that KServe's webhooks add never cause a diff.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "`<namespace>/<name>`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the InferenceService: a DNS-1035 label. Changing it replaces the endpoint.",
				Validators:          []validator.String{validate.DNS1035Label()},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"namespace": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Namespace; default: the provider's `namespace`. Changing it replaces the endpoint.",
				Validators:          []validator.String{validate.DNSLabel()},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"deployment_mode": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(ModeStandard),
				MarkdownDescription: "KServe deployment mode: `Standard` (default; formerly RawDeployment) or `Knative` (formerly Serverless). Changing it replaces the endpoint.",
				Validators:          []validator.String{stringvalidator.OneOf(ModeStandard, ModeKnative)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"labels": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Labels of the InferenceService. KServe copies them onto the model's Deployments and pods. " +
					"Only these keys are managed: labels that others add are left alone, and a managed label changed outside Terraform shows as a diff.",
			},
			"annotations": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Annotations of the InferenceService, such as `serving.kserve.io/autoscalerClass` or scraping settings. " +
					"KServe copies them onto the model's pods, so changing one restarts them. Only these keys are managed; " +
					"`serving.kserve.io/deploymentMode` is set by `deployment_mode` and keys under `mlops.terraform.io/` are the provider's.",
				Validators: []validator.Map{reservedAnnotations{}},
			},
			"model": schema.SingleNestedAttribute{
				Required: true,
				MarkdownDescription: "The model served: `registered_model` with exactly one of `version` or `alias`, or `storage_uri` alone. " +
					"With a registered model, the storage URI is the version's `storage_location` unless `storage_uri` overrides it.",
				Attributes: modelAttrs,
			},
			"canary": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "A second model and its share of traffic. Standard mode uses `spec.canary`: the canary runs as a Deployment of its own, " +
					"`<name>-c-<hash>-predictor` (so with a canary the name may have at most 41 characters), with one replica at 0% (a dark launch); Knative mode " +
					"`canaryTrafficPercent` (the canary becomes the newest revision, the model keeps the rest). Conflicts with `rollout`.",
				Attributes: canaryAttrs,
			},
			"scaling": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Autoscaling of the predictor.",
				Attributes: map[string]schema.Attribute{
					"min_replicas": schema.Int64Attribute{Optional: true, MarkdownDescription: "Minimum replicas; `0` scales to zero (Knative mode, or another autoscaler than KServe's default HPA).", Validators: []validator.Int64{int64validator.Between(0, validate.MaxInt32)}},
					"max_replicas": schema.Int64Attribute{Optional: true, MarkdownDescription: "Maximum replicas.", Validators: []validator.Int64{int64validator.Between(1, validate.MaxInt32)}},
					"metric": schema.StringAttribute{
						Optional: true, MarkdownDescription: "Scaling metric: `cpu`, `memory`, `concurrency` or `rps`. In Standard mode with KServe's default autoscaler (a HorizontalPodAutoscaler), only `cpu` and `memory`: the plan refuses the others, which KServe would ignore.",
						Validators: []validator.String{stringvalidator.OneOf("cpu", "memory", "concurrency", "rps")},
					},
					"target":     schema.Int64Attribute{Optional: true, MarkdownDescription: "Target value of the metric per replica.", Validators: []validator.Int64{int64validator.Between(1, validate.MaxInt32)}},
					"class":      scalingClassAttribute(),
					"prometheus": prometheusAttribute(),
				},
			},
			"rollout": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Progressive rollout. When `model` changes on an existing endpoint, the new model is served as a canary " +
					"at each step for `interval`, its readiness checked, then promoted to 100% and the canary removed. If the new model " +
					"is not ready at a step, all traffic goes back to the previous model and the apply fails naming the step. In Standard mode the promotion makes the canary's " +
					"predictor the stable one, so its pods serve on without a restart, and KServe removes the old Deployment. Conflicts with `canary`.",
				Attributes: map[string]schema.Attribute{
					"steps": schema.ListAttribute{
						Required: true, ElementType: types.Int64Type,
						MarkdownDescription: "Traffic percentages of the new model before promotion, ascending, each 1 to 99, such as `[10, 50]`.",
						Validators:          []validator.List{listvalidator.SizeAtLeast(1), ascendingPercentSteps{}},
					},
					"interval": schema.StringAttribute{
						Optional: true, Computed: true, Default: stringdefault.StaticString("60s"),
						MarkdownDescription: "Bake time at each step, after the new model is ready. Default `60s`.",
						Validators:          []validator.String{validate.Duration()},
					},
				},
			},
			"logger": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Payload logging for monitoring (KServe's `predictor.logger`): KServe's agent, injected next to the model server, " +
					"sends each request and response as a CloudEvent to `url`. A canary logs like the model.",
				Attributes: map[string]schema.Attribute{
					"url": schema.StringAttribute{
						Required: true, MarkdownDescription: "Where the CloudEvents go, such as a collector's `http://collector.monitoring/events`.",
						Validators: []validator.String{validate.HTTPURL()},
					},
					"mode": schema.StringAttribute{
						Optional: true, Computed: true, Default: stringdefault.StaticString("all"),
						MarkdownDescription: "What is logged: `all` (default), `request` or `response`.",
						Validators:          []validator.String{stringvalidator.OneOf("all", "request", "response")},
					},
					"metadata_headers": schema.ListAttribute{
						Optional: true, ElementType: types.StringType,
						MarkdownDescription: "Request headers copied into each event, such as `x-request-id`.",
					},
				},
			},
			"batcher": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Request batching (KServe's `predictor.batcher`), done by KServe's agent in front of the model server.",
				Attributes: map[string]schema.Attribute{
					"max_batch_size": schema.Int64Attribute{Optional: true, MarkdownDescription: "Largest batch.", Validators: []validator.Int64{int64validator.Between(1, validate.MaxInt32)}},
					"max_latency":    schema.Int64Attribute{Optional: true, MarkdownDescription: "Longest wait for a batch to fill, in milliseconds.", Validators: []validator.Int64{int64validator.Between(1, validate.MaxInt32)}},
					"timeout":        schema.Int64Attribute{Optional: true, MarkdownDescription: "Timeout of a batched request, in seconds.", Validators: []validator.Int64{int64validator.Between(1, validate.MaxInt32)}},
				},
			},
			"container":   containerAttribute(),
			"transformer": transformerAttribute(),
			"pod":         podAttribute(),
			"request_timeout": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "How long KServe lets one request to the model take (the predictor's `timeout`), in whole seconds, such as `\"60s\"` or `\"2m\"`.",
				Validators:          []validator.String{validate.ByProblem("Invalid request timeout", "must be a whole number of seconds", wholeSecondsProblem)},
			},
			"container_concurrency": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Most requests one replica handles at once (the predictor's `containerConcurrency`); 0 means no limit.",
				Validators:          []validator.Int64{int64validator.Between(0, validate.MaxInt32)},
			},
			"wait_for_ready": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Wait, within the create or update timeout, until what was applied serves. Default `true`. In Standard mode that is more than KServe's `Ready` " +
					"(which stays True while old pods serve during a rolling update): every predictor's Deployment, the model's and the canary's, runs the new pods on all its replicas, " +
					"and KServe reports the endpoint ready and the canary ready. A new pod that crashes fails the apply at once, with the container's exit code and message. " +
					"The wait survives an API server restart; when it fails, the endpoint exists and stays in the state.",
			},
			"url": schema.StringAttribute{
				Computed: true, MarkdownDescription: "URL of the endpoint, as KServe reports it (`status.url`): in Standard mode `http://<name>-<namespace>.<ingress domain>`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"ready": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether KServe reports the endpoint `Ready` (in Knative mode, its current generation), and in Standard mode each canary ready in `status.canaryStatuses`."},
			"traffic": schema.MapAttribute{
				Computed: true, ElementType: types.Int64Type,
				MarkdownDescription: "Traffic split reported by KServe: `model` and, when a canary serves, `canary` → percent. Knative mode reports it per revision; " +
					"Standard mode reports each canary's share in `status.canaryStatuses`, and the model takes the rest. Empty until KServe has reconciled the endpoint.",
			},
			"conditions": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "KServe's status conditions.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"type":    schema.StringAttribute{Computed: true, MarkdownDescription: "Condition type, such as `Ready`."},
					"status":  schema.StringAttribute{Computed: true, MarkdownDescription: "`True`, `False` or `Unknown`."},
					"reason":  schema.StringAttribute{Computed: true, MarkdownDescription: "Machine-readable reason."},
					"message": schema.StringAttribute{Computed: true, MarkdownDescription: "Human-readable message."},
				}},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

// ConfigValidators: cross-attribute rules, checked at plan time.
func (r *endpointResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.Conflicting(path.MatchRoot("rollout"), path.MatchRoot("canary")),
		registryRef{name: "model"},
		registryRef{name: "canary"},
		scalingBounds{},
		modeSettings{},
		containerConflicts{},
		scalingClassRules{},
	}
}
