package pipelines

import (
	"context"
	"fmt"
	"regexp"
	"sort"

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
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
)

type pipelineModel struct {
	ID                 types.String   `tfsdk:"id"`
	Name               types.String   `tfsdk:"name"`
	Namespace          types.String   `tfsdk:"namespace"`
	Description        types.String   `tfsdk:"description"`
	ServiceAccount     types.String   `tfsdk:"service_account"`
	Parameters         types.Map      `tfsdk:"parameters"`
	Steps              types.List     `tfsdk:"steps"`
	Schedule           types.Object   `tfsdk:"schedule"`
	Labels             types.Map      `tfsdk:"labels"`
	Annotations        types.Map      `tfsdk:"annotations"`
	WorkflowTemplate   types.String   `tfsdk:"workflow_template"`
	CronWorkflow       types.String   `tfsdk:"cron_workflow"`
	LastScheduledTime  types.String   `tfsdk:"last_scheduled_time"`
	Trigger            types.Object   `tfsdk:"trigger"`
	EventPath          types.String   `tfsdk:"event_path"`
	OnExit             types.Object   `tfsdk:"on_exit"`
	ActiveDeadline     types.String   `tfsdk:"active_deadline"`
	Parallelism        types.Int64    `tfsdk:"parallelism"`
	TTLAfterFinished   types.String   `tfsdk:"ttl_after_finished"`
	ArtifactRepository types.Object   `tfsdk:"artifact_repository"`
	Timeouts           timeouts.Value `tfsdk:"timeouts"`
}

type triggerModel struct {
	Events     types.Set    `tfsdk:"events"`
	ModelName  types.String `tfsdk:"model_name"`
	Alias      types.String `tfsdk:"alias"`
	Parameters types.Map    `tfsdk:"parameters"`
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
	s := schema.Schema{
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
				Optional: true, ElementType: types.StringType, Validators: []validator.Map{ParamNames("Invalid parameter name")},
				MarkdownDescription: "Workflow parameters (`arguments.parameters`) with their default values; steps use them as `{{workflow.parameters.<name>}}`. " +
					"Names consist of letters, digits, `_` and `-` (Argo's rule, checked at plan): `learning_rate`, not `learning.rate`.",
			},
			"steps": schema.ListNestedAttribute{
				Required: true,
				MarkdownDescription: "The steps. Each becomes a container template and a task of the DAG; `depends_on` orders them. " +
					"Names must be unique, dependencies must name steps of the pipeline, and there must be no cycle.",
				Validators:   []validator.List{listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{Attributes: stepAttributes()},
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
	for k, v := range runSettingsAttributes() {
		s.Attributes[k] = v
	}
	return s
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

// ValidateConfig checks Argo's limits on names and parameters, each step's
// settings across attributes, and the step graph: unique names, known
// dependencies, no cycle, and references to outputs that earlier steps
// declare.
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
	for i, m := range models {
		at := path.Root("steps").AtListIndex(i)
		for _, p := range checkStep(at, m) {
			resp.Diagnostics.AddAttributeError(p.At, "Invalid pipeline step", tfval.Capitalize(p.Message)+".")
		}
		if m.Command.IsNull() {
			resp.Diagnostics.AddAttributeWarning(at.AtName("command"), "Step without a command",
				"Without a command, Argo's executor looks the image's entrypoint up in its registry when the step runs: a registry call per "+
					"step, and a failure for a private registry without credentials. Give the command, such as [\"python\", \"train.py\"].")
		}
	}
	steps, known := stepsForCheck(models)
	if !known {
		return // checked at apply time, when known
	}
	problems := CheckGraph(steps)
	for _, p := range problems {
		at := path.Root("steps")
		if p.Index >= 0 {
			at = at.AtListIndex(p.Index).AtName(p.Field)
		}
		summary := "Invalid pipeline steps"
		if p.Index < 0 {
			summary = "Dependency cycle in pipeline steps"
		}
		resp.Diagnostics.AddAttributeError(at, summary, tfval.Capitalize(p.Message)+".")
	}
	if len(problems) > 0 {
		return
	}
	for _, p := range CheckReferences(steps) {
		resp.Diagnostics.AddAttributeError(p.At, "Invalid reference to a step's output", tfval.Capitalize(p.Message)+".")
	}
}

// stepsForCheck reads what the graph and reference checks need from the
// configuration; false when names or dependencies are not known yet.
// Values not known yet are left out (outputs: not checked).
func stepsForCheck(models []stepModel) ([]Step, bool) {
	steps := make([]Step, 0, len(models))
	for _, m := range models {
		deps, ok := knownStrings(m.DependsOn)
		if m.Name.IsUnknown() || !ok {
			return nil, false
		}
		s := Step{Name: m.Name.ValueString(), DependsOn: deps, When: m.When.ValueString(), Env: knownStringMap(m.Env)}
		s.Command, _ = knownStrings(m.Command)
		s.Args, _ = knownStrings(m.Args)
		s.outputsUnknown = m.Outputs.IsUnknown()
		if !m.Outputs.IsNull() && !m.Outputs.IsUnknown() {
			var unknown bool
			s.OutputParameters, unknown = mapKeys(m.Outputs.Attributes()["parameters"])
			s.outputsUnknown = s.outputsUnknown || unknown
			s.OutputArtifacts, unknown = mapKeys(m.Outputs.Attributes()["artifacts"])
			s.outputsUnknown = s.outputsUnknown || unknown
		}
		s.InputArtifacts = knownFroms(m.Inputs)
		steps = append(steps, s)
	}
	return steps, true
}

// knownStrings is a list's known elements; false when some are unknown.
func knownStrings(l types.List) ([]string, bool) {
	if l.IsUnknown() {
		return nil, false
	}
	var out []string
	ok := true
	for _, e := range l.Elements() {
		if s, isStr := e.(types.String); isStr && !s.IsUnknown() && !s.IsNull() {
			out = append(out, s.ValueString())
		} else {
			ok = false
		}
	}
	return out, ok
}

func knownStringMap(m types.Map) map[string]string {
	out := map[string]string{}
	for k, e := range m.Elements() {
		if s, ok := e.(types.String); ok && !s.IsUnknown() {
			out[k] = s.ValueString()
		}
	}
	return out
}

// mapKeys is the keys of a map value; true when the map is unknown.
func mapKeys(v attr.Value) (map[string]string, bool) {
	m, ok := v.(types.Map)
	if !ok || m.IsUnknown() {
		return nil, true
	}
	out := map[string]string{}
	for k := range m.Elements() {
		out[k] = ""
	}
	return out, false
}

// knownFroms is inputs.artifacts' known from values.
func knownFroms(inputs types.Object) map[string]InputArtifact {
	if inputs.IsNull() || inputs.IsUnknown() {
		return nil
	}
	arts, ok := inputs.Attributes()["artifacts"].(types.Map)
	if !ok || arts.IsUnknown() {
		return nil
	}
	out := map[string]InputArtifact{}
	for k, e := range arts.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsUnknown() {
			continue
		}
		if from, ok := o.Attributes()["from"].(types.String); ok && !from.IsUnknown() && !from.IsNull() {
			out[k] = InputArtifact{From: from.ValueString()}
		}
	}
	return out
}

// Argo's own limits (workflow/validate in Argo v3.7): a CronWorkflow's name
// has at most 52 characters (Argo appends a timestamp to name its runs),
// and parameter names consist of letters, digits, '_' and '-'.
const maxCronWorkflowName = 52

var paramNameRegex = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)

// ParamNames checks the names of a map of Argo parameters (or outputs),
// with the error on the key.
func ParamNames(summary string) validator.Map {
	return validate.MapKeys(summary, "names consist of letters, digits, '_' and '-'", ParamNameProblem)
}

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
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("name"), &name)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("schedule"), &schedule)...)
	if !schedule.IsNull() && !name.IsNull() && !name.IsUnknown() && len(name.ValueString()) > maxCronWorkflowName {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Pipeline name too long for a schedule",
			fmt.Sprintf("A scheduled pipeline's CronWorkflow may have a name of at most %d characters (Argo adds a timestamp to name each run); %q has %d. "+
				"Choose a shorter name.", maxCronWorkflowName, name.ValueString(), len(name.ValueString())))
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
