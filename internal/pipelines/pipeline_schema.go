package pipelines

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
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

	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
)

type pipelineModel struct {
	ID                types.String   `tfsdk:"id"`
	Name              types.String   `tfsdk:"name"`
	Namespace         types.String   `tfsdk:"namespace"`
	Description       types.String   `tfsdk:"description"`
	ServiceAccount    types.String   `tfsdk:"service_account"`
	Parameters        types.Map      `tfsdk:"parameters"`
	Steps             types.List     `tfsdk:"steps"`
	Schedule          types.Object   `tfsdk:"schedule"`
	Labels            types.Map      `tfsdk:"labels"`
	Annotations       types.Map      `tfsdk:"annotations"`
	WorkflowTemplate  types.String   `tfsdk:"workflow_template"`
	CronWorkflow      types.String   `tfsdk:"cron_workflow"`
	LastScheduledTime types.String   `tfsdk:"last_scheduled_time"`
	Trigger           types.Object   `tfsdk:"trigger"`
	EventPath         types.String   `tfsdk:"event_path"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

type triggerModel struct {
	Events     types.Set    `tfsdk:"events"`
	ModelName  types.String `tfsdk:"model_name"`
	Alias      types.String `tfsdk:"alias"`
	Parameters types.Map    `tfsdk:"parameters"`
}

type stepModel struct {
	Name      types.String `tfsdk:"name"`
	Image     types.String `tfsdk:"image"`
	Command   types.List   `tfsdk:"command"`
	Args      types.List   `tfsdk:"args"`
	DependsOn types.List   `tfsdk:"depends_on"`
	Env       types.Map    `tfsdk:"env"`
	Resources types.Object `tfsdk:"resources"`
	Retries   types.Int64  `tfsdk:"retries"`
	Timeout   types.String `tfsdk:"timeout"`
}

type resourcesModel struct {
	CPU    types.String `tfsdk:"cpu"`
	Memory types.String `tfsdk:"memory"`
	GPU    types.Int64  `tfsdk:"gpu"`
}

type scheduleModel struct {
	Cron              types.List   `tfsdk:"cron"`
	Timezone          types.String `tfsdk:"timezone"`
	ConcurrencyPolicy types.String `tfsdk:"concurrency_policy"`
	Suspend           types.Bool   `tfsdk:"suspend"`
	StartingDeadline  types.String `tfsdk:"starting_deadline"`
	SuccessfulHistory types.Int64  `tfsdk:"successful_history"`
	FailedHistory     types.Int64  `tfsdk:"failed_history"`
}

var (
	stringList         = types.ListType{ElemType: types.StringType}
	resourcesAttrTypes = map[string]attr.Type{"cpu": types.StringType, "memory": types.StringType, "gpu": types.Int64Type}
	stepAttrTypes      = map[string]attr.Type{
		"name": types.StringType, "image": types.StringType, "command": stringList, "args": stringList,
		"depends_on": stringList, "env": types.MapType{ElemType: types.StringType},
		"resources": types.ObjectType{AttrTypes: resourcesAttrTypes}, "retries": types.Int64Type, "timeout": types.StringType,
	}
	stepType          = types.ObjectType{AttrTypes: stepAttrTypes}
	scheduleAttrTypes = map[string]attr.Type{
		"cron": stringList, "timezone": types.StringType, "concurrency_policy": types.StringType, "suspend": types.BoolType,
		"starting_deadline": types.StringType, "successful_history": types.Int64Type, "failed_history": types.Int64Type,
	}
	triggerAttrTypes = map[string]attr.Type{
		"events": types.SetType{ElemType: types.StringType}, "model_name": types.StringType, "alias": types.StringType,
		"parameters": types.MapType{ElemType: types.StringType},
	}
)

func pipelineSchema(ctx context.Context) schema.Schema {
	return schema.Schema{
		MarkdownDescription: "A training pipeline: one Argo Workflows `WorkflowTemplate` whose entrypoint is a DAG of container steps, " +
			"plus, when `schedule` is set, one `CronWorkflow` that runs it. Both carry the pipeline's name.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "`<namespace>/<name>`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: "Name of the WorkflowTemplate and CronWorkflow: a DNS label, of at most 52 characters with a `schedule` (Argo's limit for a CronWorkflow, checked at plan). Changing it replaces the pipeline.",
				Validators:    []validator.String{validate.DNSLabel()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"namespace": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Namespace; default: the provider's `namespace`. Changing it replaces the pipeline.",
				Validators:          []validator.String{validate.DNSLabel()},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Description, kept in the annotation `workflows.argoproj.io/description`.",
			},
			"service_account": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Service account the workflow's pods run as (`serviceAccountName`).",
				Validators: []validator.String{validate.NotBlank()},
			},
			"parameters": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Workflow parameters (`arguments.parameters`) with their default values; steps use them as `{{workflow.parameters.<name>}}`. " +
					"Names consist of letters, digits, `_` and `-` (Argo's rule, checked at plan): `learning_rate`, not `learning.rate`.",
			},
			"steps": schema.ListNestedAttribute{
				Required: true,
				MarkdownDescription: "The steps. Each becomes a container template and a task of the DAG; `depends_on` orders them. " +
					"Names must be unique, dependencies must name steps of the pipeline, and there must be no cycle.",
				Validators: []validator.List{listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						Required: true, MarkdownDescription: "Step name: a DNS label, unique in the pipeline.",
						Validators: []validator.String{validate.DNSLabel()},
					},
					"image":   schema.StringAttribute{Required: true, MarkdownDescription: "Container image.", Validators: []validator.String{validate.NotBlank()}},
					"command": schema.ListAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Command (the image's entrypoint when not set)."},
					"args":    schema.ListAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Arguments."},
					"depends_on": schema.ListAttribute{
						Optional: true, ElementType: types.StringType,
						MarkdownDescription: "Steps that must succeed before this one starts.",
					},
					"env": schema.MapAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Environment variables."},
					"resources": schema.SingleNestedAttribute{
						Optional: true, MarkdownDescription: "Requests and limits (each value is used for both).",
						Attributes: map[string]schema.Attribute{
							"cpu":    schema.StringAttribute{Optional: true, MarkdownDescription: "CPU, such as `\"2\"`.", Validators: []validator.String{validate.Quantity()}},
							"memory": schema.StringAttribute{Optional: true, MarkdownDescription: "Memory, such as `\"8Gi\"`.", Validators: []validator.String{validate.Quantity()}},
							"gpu": schema.Int64Attribute{Optional: true, MarkdownDescription: fmt.Sprintf("GPUs (`nvidia.com/gpu`), 0 to %d.", validate.MaxGPUs),
								Validators: []validator.Int64{validate.GPUCount()}},
						},
					},
					"retries": schema.Int64Attribute{
						Optional: true, MarkdownDescription: "Retries of a failed step (`retryStrategy.limit`).",
						Validators: []validator.Int64{int64validator.Between(0, validate.MaxInt32)},
					},
					"timeout": schema.StringAttribute{
						Optional: true, MarkdownDescription: "Time limit of the step (`activeDeadlineSeconds`, whole seconds), such as `\"2h\"`; at least `\"1s\"`.",
						Validators: []validator.String{validate.Duration(), validate.ByProblem("Step timeout too short", "must be at least 1s", stepTimeoutProblem)},
					},
				}},
			},
			"trigger": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Run the pipeline on registry events: Argo's own `WorkflowEventBinding` (of the pipeline's name), which Argo's server " +
					"turns into a run of the template when a matching event arrives at `event_path`. Point an `mlops_registry_webhook` at " +
					"`<Argo server URL><event_path>`. Removing it deletes the binding.",
				Attributes: map[string]schema.Attribute{
					"events": schema.SetAttribute{
						Required: true, ElementType: types.StringType,
						MarkdownDescription: "Registry events that start a run, as MLflow's webhooks name them (`entity.action`), such as `model_version.created` or `model_version_alias.created`.",
						Validators:          []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(stringvalidator.OneOf(mlflow.WebhookEvents...))},
					},
					"model_name": schema.StringAttribute{
						Optional: true, MarkdownDescription: "Only events of this registered model (the event's `data.name`).",
						Validators: []validator.String{validate.ModelName()},
					},
					"alias": schema.StringAttribute{
						Optional: true, MarkdownDescription: "Only events of this alias (the event's `data.alias`; alias events only).",
						Validators: []validator.String{validate.Alias()},
					},
					"parameters": schema.MapAttribute{
						Optional: true, ElementType: types.StringType,
						MarkdownDescription: "Pipeline parameters set from the event: parameter name → field of the event's `data`, such as " +
							"`{ version = \"version\" }`. Each parameter must be one of `parameters`.",
					},
				},
			},
			"event_path": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "With a `trigger`, the path on Argo's server that starts the pipeline: `/api/v1/events/<namespace>/<name>`. Null without one.",
			},
			"schedule": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Run the pipeline on a schedule: a CronWorkflow that references the template. Removing it deletes the " +
					"CronWorkflow and keeps the template; adding it back creates it.",
				Attributes: map[string]schema.Attribute{
					"cron": schema.ListAttribute{
						Required: true, ElementType: types.StringType,
						MarkdownDescription: "One or more schedules: five-field cron (`\"0 3 * * *\"`) or descriptors (`\"@daily\"`).",
						Validators:          []validator.List{listvalidator.SizeAtLeast(1), cronList{}},
					},
					"timezone": schema.StringAttribute{
						Optional: true, MarkdownDescription: "IANA time zone of the schedules, such as `\"UTC\"` or `\"Europe/Paris\"`.",
						Validators: []validator.String{timezoneValidator{}},
					},
					"concurrency_policy": schema.StringAttribute{
						Optional: true, Computed: true, Default: stringdefault.StaticString("Allow"),
						MarkdownDescription: "What to do when a run is due while the previous one runs: `Allow` (default), `Forbid` or `Replace`.",
						Validators:          []validator.String{stringvalidator.OneOf("Allow", "Forbid", "Replace")},
					},
					"suspend": schema.BoolAttribute{
						Optional: true, Computed: true, Default: booldefault.StaticBool(false),
						MarkdownDescription: "Pause the schedule (an in-place update). Default `false`.",
					},
					"starting_deadline": schema.StringAttribute{
						Optional: true, MarkdownDescription: "How late a missed run may still start, such as `\"10m\"` (`startingDeadlineSeconds`).",
						Validators: []validator.String{validate.Duration()},
					},
					"successful_history": schema.Int64Attribute{
						Optional: true, MarkdownDescription: "Successful runs to keep (`successfulJobsHistoryLimit`).",
						Validators: []validator.Int64{int64validator.Between(0, validate.MaxInt32)},
					},
					"failed_history": schema.Int64Attribute{
						Optional: true, MarkdownDescription: "Failed runs to keep (`failedJobsHistoryLimit`).",
						Validators: []validator.Int64{int64validator.Between(0, validate.MaxInt32)},
					},
				},
			},
			"labels":      schema.MapAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Labels of both objects."},
			"annotations": schema.MapAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Annotations of both objects."},
			"workflow_template": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Name of the WorkflowTemplate.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"cron_workflow": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Name of the CronWorkflow; null without a schedule.",
			},
			"last_scheduled_time": schema.StringAttribute{
				Computed: true, MarkdownDescription: "When the CronWorkflow last started a run (RFC 3339, the scheduled time), as Argo reports it; null until the schedule first fires.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

// cronList checks each schedule expression.
type cronList struct{}

func (cronList) Description(context.Context) string {
	return "each schedule must be a five-field cron expression or a descriptor such as @daily"
}
func (v cronList) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (cronList) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for i, e := range req.ConfigValue.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		if msg := CronProblem(s.ValueString()); msg != "" {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i), "Invalid cron schedule", msg+".")
		}
	}
}

type timezoneValidator struct{}

func (timezoneValidator) Description(context.Context) string {
	return "must be an IANA time zone name such as UTC or Europe/Paris"
}
func (v timezoneValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (timezoneValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if msg := TimezoneProblem(req.ConfigValue.ValueString()); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid time zone", msg+".")
	}
}

// ValidateConfig checks Argo's limits on names and parameters, and the step
// graph: unique names, known dependencies, no cycle.
func (r *pipelineResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validateArgoLimits(ctx, req, resp)
	validateTrigger(ctx, req, resp)
	var stepsList types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("steps"), &stepsList)...)
	if stepsList.IsNull() || stepsList.IsUnknown() {
		return
	}
	var models []stepModel
	resp.Diagnostics.Append(stepsList.ElementsAs(ctx, &models, false)...)
	steps := make([]Step, 0, len(models))
	for _, m := range models {
		if m.Name.IsUnknown() || m.DependsOn.IsUnknown() {
			return // checked at apply time, when known
		}
		s := Step{Name: m.Name.ValueString()}
		if !m.DependsOn.IsNull() {
			var deps []types.String
			resp.Diagnostics.Append(m.DependsOn.ElementsAs(ctx, &deps, false)...)
			for _, d := range deps {
				if d.IsUnknown() {
					return
				}
				s.DependsOn = append(s.DependsOn, d.ValueString())
			}
		}
		steps = append(steps, s)
	}
	for _, p := range CheckGraph(steps) {
		at := path.Root("steps")
		if p.Index >= 0 {
			at = at.AtListIndex(p.Index).AtName(p.Field)
		}
		summary := "Invalid pipeline steps"
		if p.Index < 0 {
			summary = "Dependency cycle in pipeline steps"
		}
		resp.Diagnostics.AddAttributeError(at, summary, capitalize(p.Message)+".")
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Argo's own limits (workflow/validate in Argo v3.7): a CronWorkflow's name
// has at most 52 characters (Argo appends a timestamp to name its runs),
// and parameter names consist of letters, digits, '_' and '-'.
const maxCronWorkflowName = 52

var paramNameRegex = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)

// ParamNameProblem returns why name is not a valid Argo parameter name, or "".
func ParamNameProblem(name string) string {
	if !paramNameRegex.MatchString(name) {
		return fmt.Sprintf("%q is not a valid parameter name: Argo accepts only letters, digits, '_' and '-', such as learning_rate", name)
	}
	return ""
}

func validateArgoLimits(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var name types.String
	var schedule types.Object
	var params types.Map
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("name"), &name)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("schedule"), &schedule)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("parameters"), &params)...)
	if !schedule.IsNull() && !name.IsNull() && !name.IsUnknown() && len(name.ValueString()) > maxCronWorkflowName {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Pipeline name too long for a schedule",
			fmt.Sprintf("A scheduled pipeline's CronWorkflow may have a name of at most %d characters (Argo adds a timestamp to name each run); %q has %d. "+
				"Choose a shorter name.", maxCronWorkflowName, name.ValueString(), len(name.ValueString())))
	}
	if !params.IsNull() && !params.IsUnknown() {
		keys := make([]string, 0, len(params.Elements()))
		for k := range params.Elements() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if msg := ParamNameProblem(k); msg != "" {
				resp.Diagnostics.AddAttributeError(path.Root("parameters").AtMapKey(k), "Invalid parameter name", capitalize(msg)+".")
			}
		}
	}
}

var eventFieldRegex = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// validateTrigger checks that the trigger's parameters are the pipeline's,
// and that their event fields are field names.
func validateTrigger(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var trigger types.Object
	var params types.Map
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("trigger"), &trigger)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("parameters"), &params)...)
	if trigger.IsNull() || trigger.IsUnknown() || params.IsUnknown() {
		return
	}
	tp, ok := trigger.Attributes()["parameters"].(types.Map)
	if !ok || tp.IsNull() || tp.IsUnknown() {
		return
	}
	keys := make([]string, 0, len(tp.Elements()))
	for k := range tp.Elements() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		at := path.Root("trigger").AtName("parameters").AtMapKey(k)
		if _, declared := params.Elements()[k]; !declared {
			resp.Diagnostics.AddAttributeError(at, "Unknown pipeline parameter",
				fmt.Sprintf("The trigger sets the parameter %q, which the pipeline does not declare: add it to parameters (with a default), or set one that is there.", k))
		}
		if f, ok := tp.Elements()[k].(types.String); ok && !f.IsUnknown() && !eventFieldRegex.MatchString(f.ValueString()) {
			resp.Diagnostics.AddAttributeError(at, "Invalid event field",
				fmt.Sprintf("%q is not a field of the event's data: give a name such as \"version\" or \"name\".", f.ValueString()))
		}
	}
}
