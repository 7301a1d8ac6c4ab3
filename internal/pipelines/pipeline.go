package pipelines

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stypes "k8s.io/apimachinery/pkg/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/conns"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/diags"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

// GVRs of Argo's resources.
var (
	WorkflowTemplateGVR = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "workflowtemplates"}
	CronWorkflowGVR     = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "cronworkflows"}
	EventBindingGVR     = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "workfloweventbindings"}
)

const (
	annotationDescription = "workflows.argoproj.io/description"
	// annotationTrigger records the trigger as configured on the binding, so
	// that a refresh and an import can report it.
	annotationTrigger   = "mlops.terraform.io/trigger"
	pipelineKind        = "pipeline"
	defaultPipelineWait = 5 * time.Minute
)

var (
	_ resource.Resource                   = &pipelineResource{}
	_ resource.ResourceWithConfigure      = &pipelineResource{}
	_ resource.ResourceWithImportState    = &pipelineResource{}
	_ resource.ResourceWithIdentity       = &pipelineResource{}
	_ resource.ResourceWithModifyPlan     = &pipelineResource{}
	_ resource.ResourceWithValidateConfig = &pipelineResource{}
)

// Resources lists the family's resources.
func Resources() []func() resource.Resource {
	return []func() resource.Resource{NewPipelineResource}
}

// NewPipelineResource returns the mlops_pipeline resource.
func NewPipelineResource() resource.Resource { return &pipelineResource{} }

type pipelineResource struct{ data *conns.ProviderData }

// pipelineIdentity is the resource's identity: `import { identity = {...} }`
// (Terraform 1.12+, OpenTofu 1.12+) imports by it.
var pipelineIdentity = tfval.Identity([]tfval.IdentityAttr{{Name: "namespace", Description: "Namespace of the WorkflowTemplate."}, {Name: "name", Description: "Name of the pipeline."}})

func (r *pipelineResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	pipelineIdentity.Schema(resp)
}

func (r *pipelineResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pipeline"
}

func (r *pipelineResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = pipelineSchema(ctx)
}

func (r *pipelineResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = conns.FromConfigure(req.ProviderData, &resp.Diagnostics)
}

func (r *pipelineResource) kube(d *diag.Diagnostics) *kube.Client { return conns.Kube(r.data, d) }

// ModifyPlan checks the Kubernetes settings at plan time and fills the
// default namespace and the computed names.
func (r *pipelineResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	r.kube(&resp.Diagnostics)
	var plan pipelineModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.Namespace.IsUnknown() && req.State.Raw.IsNull() {
		plan.Namespace = types.StringValue(r.data.Namespace)
	}
	if !plan.Name.IsUnknown() && !plan.Namespace.IsUnknown() {
		plan.ID = types.StringValue(plan.Namespace.ValueString() + "/" + plan.Name.ValueString())
		plan.WorkflowTemplate = plan.Name
		if plan.Schedule.IsNull() {
			plan.CronWorkflow = types.StringNull()
			plan.LastScheduledTime = types.StringNull()
		} else {
			plan.CronWorkflow = plan.Name
		}
		if plan.Trigger.IsNull() {
			plan.EventPath = types.StringNull()
		} else {
			plan.EventPath = types.StringValue(eventPath(plan.Namespace.ValueString(), plan.Name.ValueString()))
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *pipelineResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer func() { resp.Diagnostics.Append(pipelineIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	var plan pipelineModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	c := r.kube(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultPipelineWait)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	p := expand(ctx, plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := p.Namespace + "/" + p.Name
	for _, gvr := range []schema.GroupVersionResource{WorkflowTemplateGVR, CronWorkflowGVR, EventBindingGVR} {
		if (gvr == CronWorkflowGVR && p.Schedule == nil) || (gvr == EventBindingGVR && p.Trigger == nil) {
			continue
		}
		if _, err := c.Get(ctx, gvr, p.Namespace, p.Name); err == nil {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Error creating pipeline",
				fmt.Sprintf("A %s named %s exists already. Import the pipeline with `terraform import <address> %s`, or choose another name.", gvr.Resource, id, id))
			return
		} else if !kube.IsNotFound(err) {
			addKubeError(&resp.Diagnostics, "creating", id, err)
			return
		}
	}
	tmpl, err := c.Apply(ctx, WorkflowTemplateGVR, p.workflowTemplate())
	if err != nil {
		addKubeError(&resp.Diagnostics, "creating", id, err)
		return
	}
	var cron, binding *unstructured.Unstructured
	if p.Schedule != nil {
		if cron, err = applyCron(ctx, c, p); err != nil {
			// The template exists: record it, so the next apply adds the schedule.
			flatten(ctx, tmpl, nil, nil, &plan, &resp.Diagnostics)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			addKubeError(&resp.Diagnostics, "creating the schedule of", id, err)
			return
		}
	}
	if p.Trigger != nil {
		if binding, err = c.Apply(ctx, EventBindingGVR, p.eventBinding()); err != nil {
			flatten(ctx, tmpl, cron, nil, &plan, &resp.Diagnostics)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			addKubeError(&resp.Diagnostics, "creating the trigger of", id, err)
			return
		}
	}
	flatten(ctx, tmpl, cron, binding, &plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *pipelineResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(pipelineIdentity.FromRead(ctx, req, resp)...) }()
	var state pipelineModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	c := r.kube(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Read(ctx, defaultPipelineWait)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	ns, name := state.Namespace.ValueString(), state.Name.ValueString()
	tmpl, err := c.Get(ctx, WorkflowTemplateGVR, ns, name)
	if kube.IsNotFound(err) {
		diags.AddNotFoundWarning(&resp.Diagnostics, pipelineKind, ns+"/"+name)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addKubeError(&resp.Diagnostics, "reading", ns+"/"+name, err)
		return
	}
	// The CronWorkflow is read when the state has a schedule, and on import.
	var cron *unstructured.Unstructured
	if !state.Schedule.IsNull() || state.WorkflowTemplate.IsNull() {
		if cron, err = c.GetOptional(ctx, CronWorkflowGVR, ns, name); err != nil {
			addKubeError(&resp.Diagnostics, "reading the schedule of", ns+"/"+name, err)
			return
		}
	}
	// Likewise the WorkflowEventBinding.
	var binding *unstructured.Unstructured
	if !state.Trigger.IsNull() || state.WorkflowTemplate.IsNull() {
		if binding, err = c.GetOptional(ctx, EventBindingGVR, ns, name); err != nil {
			addKubeError(&resp.Diagnostics, "reading the trigger of", ns+"/"+name, err)
			return
		}
	}
	flatten(ctx, tmpl, cron, binding, &state, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *pipelineResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer func() { resp.Diagnostics.Append(pipelineIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	var plan, state pipelineModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	c := r.kube(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, defaultPipelineWait)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	p := expand(ctx, plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := p.Namespace + "/" + p.Name
	tmpl, err := c.Apply(ctx, WorkflowTemplateGVR, p.workflowTemplate())
	if err != nil {
		addKubeError(&resp.Diagnostics, "updating", id, err)
		return
	}
	var cron *unstructured.Unstructured
	if p.Schedule != nil {
		if cron, err = applyCron(ctx, c, p); err != nil {
			addKubeError(&resp.Diagnostics, "updating the schedule of", id, err)
			return
		}
	} else if err := c.DeleteAndWait(ctx, CronWorkflowGVR, p.Namespace, p.Name); err != nil {
		addKubeError(&resp.Diagnostics, "removing the schedule of", id, err)
		return
	}
	var binding *unstructured.Unstructured
	if p.Trigger != nil {
		if binding, err = c.Apply(ctx, EventBindingGVR, p.eventBinding()); err != nil {
			addKubeError(&resp.Diagnostics, "updating the trigger of", id, err)
			return
		}
	} else if err := c.DeleteAndWait(ctx, EventBindingGVR, p.Namespace, p.Name); err != nil {
		addKubeError(&resp.Diagnostics, "removing the trigger of", id, err)
		return
	}
	flatten(ctx, tmpl, cron, binding, &plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *pipelineResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state pipelineModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	c := r.kube(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, defaultPipelineWait)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	ns, name := state.Namespace.ValueString(), state.Name.ValueString()
	// The schedule and the trigger first, so that neither starts a run of a
	// missing template.
	for _, gvr := range []schema.GroupVersionResource{CronWorkflowGVR, EventBindingGVR, WorkflowTemplateGVR} {
		if err := c.DeleteAndWait(ctx, gvr, ns, name); err != nil {
			addKubeError(&resp.Diagnostics, "deleting", ns+"/"+name, err)
			return
		}
	}
}

// applyCron applies the CronWorkflow and clears the legacy singular
// spec.schedule that an imported CronWorkflow may have: Argo refuses a
// CronWorkflow with both schedule and schedules (a SpecError that stops the
// schedule), and server-side apply leaves fields it does not own alone.
func applyCron(ctx context.Context, c *kube.Client, p pipelineSpec) (*unstructured.Unstructured, error) {
	cron, err := c.Apply(ctx, CronWorkflowGVR, p.cronWorkflow())
	if err != nil {
		return nil, err
	}
	if legacy, _, _ := unstructured.NestedString(cron.Object, "spec", "schedule"); legacy != "" {
		return c.Patch(ctx, CronWorkflowGVR, p.Namespace, p.Name, k8stypes.MergePatchType, []byte(`{"spec":{"schedule":null}}`))
	}
	return cron, nil
}

func (r *pipelineResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	pipelineIdentity.ImportNamespaced(ctx, req, resp, "mlops_pipeline", "ml-pipelines/churn-retrain")
}

// argoObject names the pipeline's objects in errors.
var argoObject = diags.KubeObject{Kind: pipelineKind, APIKind: "WorkflowTemplate or CronWorkflow",
	Resources: "workflowtemplates and cronworkflows (argoproj.io)", Installed: "Argo Workflows"}

func addKubeError(d *diag.Diagnostics, action, id string, err error) {
	diags.AddKubeError(d, action, argoObject, id, err)
}

// ---- expand and flatten ----

type pipelineSpec struct {
	Name, Namespace string
	Description     string
	ServiceAccount  string
	Parameters      map[string]string
	Steps           []Step
	Schedule        *scheduleSpec
	Trigger         *triggerSpec
	Labels          map[string]string
	Annotations     map[string]string
	Run             runSettings
}

type scheduleSpec struct {
	Cron              []string
	Timezone          string
	ConcurrencyPolicy string
	Suspend           bool
	StartingDeadline  *int64
	SuccessfulHistory *int64
	FailedHistory     *int64
}

func expand(ctx context.Context, m pipelineModel, d *diag.Diagnostics) pipelineSpec {
	p := pipelineSpec{
		Name: m.Name.ValueString(), Namespace: m.Namespace.ValueString(),
		Description: m.Description.ValueString(), ServiceAccount: m.ServiceAccount.ValueString(),
		Parameters: tfval.StringMapOf(ctx, m.Parameters, d), Labels: tfval.StringMapOf(ctx, m.Labels, d), Annotations: tfval.StringMapOf(ctx, m.Annotations, d),
	}
	var steps []stepModel
	d.Append(m.Steps.ElementsAs(ctx, &steps, false)...)
	for _, sm := range steps {
		p.Steps = append(p.Steps, expandStep(ctx, sm, d))
	}
	p.Run = expandRunSettings(ctx, m, d)
	if problems := CheckGraph(p.Steps); len(problems) > 0 {
		for _, pr := range problems {
			d.AddAttributeError(path.Root("steps"), "Invalid pipeline steps", tfval.Capitalize(pr.Message)+".")
		}
	} else {
		for _, pr := range CheckReferences(p.Steps) {
			d.AddAttributeError(pr.At, "Invalid reference to a step's output", tfval.Capitalize(pr.Message)+".")
		}
	}
	if !m.Schedule.IsNull() {
		var sm scheduleModel
		d.Append(m.Schedule.As(ctx, &sm, basetypes.ObjectAsOptions{})...)
		s := &scheduleSpec{
			Cron: tfval.StringListOf(ctx, sm.Cron, d), Timezone: sm.Timezone.ValueString(),
			ConcurrencyPolicy: sm.ConcurrencyPolicy.ValueString(), Suspend: sm.Suspend.ValueBool(),
			SuccessfulHistory: sm.SuccessfulHistory.ValueInt64Pointer(), FailedHistory: sm.FailedHistory.ValueInt64Pointer(),
		}
		if !sm.StartingDeadline.IsNull() {
			secs := seconds(sm.StartingDeadline.ValueString())
			s.StartingDeadline = &secs
		}
		p.Schedule = s
	}
	if !m.Trigger.IsNull() && !m.Trigger.IsUnknown() {
		var tm triggerModel
		d.Append(m.Trigger.As(ctx, &tm, basetypes.ObjectAsOptions{})...)
		t := &triggerSpec{ModelName: tm.ModelName.ValueString(), Alias: tm.Alias.ValueString(), Parameters: tfval.StringMapOf(ctx, tm.Parameters, d)}
		d.Append(tm.Events.ElementsAs(ctx, &t.Events, false)...)
		sort.Strings(t.Events)
		p.Trigger = t
	}
	return p
}

func (p pipelineSpec) metadata() map[string]any {
	annotations := map[string]any{}
	for k, v := range p.Annotations {
		annotations[k] = v
	}
	if p.Description != "" {
		annotations[annotationDescription] = p.Description
	}
	md := map[string]any{"name": p.Name, "namespace": p.Namespace}
	if len(annotations) > 0 {
		md["annotations"] = annotations
	}
	if len(p.Labels) > 0 {
		labels := map[string]any{}
		for k, v := range p.Labels {
			labels[k] = v
		}
		md["labels"] = labels
	}
	return md
}

// workflowTemplate renders the WorkflowTemplate to server-side apply.
func (p pipelineSpec) workflowTemplate() *unstructured.Unstructured {
	spec := map[string]any{"entrypoint": dagTemplate, "templates": Templates(p.Steps, p.Run.Repository)}
	p.Run.render(spec)
	if len(p.Parameters) > 0 {
		spec["arguments"] = map[string]any{"parameters": Parameters(p.Parameters)}
	}
	if p.ServiceAccount != "" {
		spec["serviceAccountName"] = p.ServiceAccount
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": p.metadata(), "spec": spec,
	}}
}

// cronWorkflow renders the CronWorkflow that runs the template.
func (p pipelineSpec) cronWorkflow() *unstructured.Unstructured {
	s := p.Schedule
	spec := map[string]any{
		"schedules":         tfval.ToAny(s.Cron),
		"concurrencyPolicy": s.ConcurrencyPolicy,
		"suspend":           s.Suspend,
		"workflowSpec":      map[string]any{"workflowTemplateRef": map[string]any{"name": p.Name}},
	}
	if s.Timezone != "" {
		spec["timezone"] = s.Timezone
	}
	if s.StartingDeadline != nil {
		spec["startingDeadlineSeconds"] = *s.StartingDeadline
	}
	if s.SuccessfulHistory != nil {
		spec["successfulJobsHistoryLimit"] = *s.SuccessfulHistory
	}
	if s.FailedHistory != nil {
		spec["failedJobsHistoryLimit"] = *s.FailedHistory
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow", "metadata": p.metadata(), "spec": spec,
	}}
}

// flatten reads what the provider manages from the live objects into m.
// cron is nil when there is no CronWorkflow.
func flatten(ctx context.Context, tmpl, cron, binding *unstructured.Unstructured, m *pipelineModel, d *diag.Diagnostics) {
	flattenTrigger(binding, m)
	m.ID = types.StringValue(tmpl.GetNamespace() + "/" + tmpl.GetName())
	m.Name = types.StringValue(tmpl.GetName())
	m.Namespace = types.StringValue(tmpl.GetNamespace())
	m.WorkflowTemplate = types.StringValue(tmpl.GetName())

	annotations := map[string]string{}
	for k, v := range tmpl.GetAnnotations() {
		annotations[k] = v
	}
	desc := annotations[annotationDescription]
	delete(annotations, annotationDescription)
	m.Description = tfval.OptString(desc)
	m.Annotations = tfval.MapOrNull(annotations, m.Annotations)
	m.Labels = tfval.MapOrNull(tmpl.GetLabels(), m.Labels)

	spec, _, _ := unstructured.NestedMap(tmpl.Object, "spec")
	sa, _ := spec["serviceAccountName"].(string)
	m.ServiceAccount = tfval.OptString(sa)
	params := map[string]string{}
	if list, ok, _ := unstructured.NestedSlice(spec, "arguments", "parameters"); ok {
		for _, item := range list {
			if p, ok := item.(map[string]any); ok {
				name, _ := p["name"].(string)
				value, _ := p["value"].(string)
				params[name] = value
			}
		}
	}
	m.Parameters = tfval.MapOrNull(params, m.Parameters)

	flattenSteps(ctx, spec, m, d)
	flattenRunSettings(spec, m, d)
	flattenSchedule(cron, m)
}

// flattenSteps reads the steps, keeping the prior spelling of each.
func flattenSteps(ctx context.Context, spec map[string]any, m *pipelineModel, d *diag.Diagnostics) {
	var prior []stepModel
	if !m.Steps.IsNull() && !m.Steps.IsUnknown() {
		d.Append(m.Steps.ElementsAs(ctx, &prior, false)...)
	}
	steps := stepsFromTemplates(spec)
	items := make([]attr.Value, 0, len(steps))
	for i, s := range steps {
		var p *stepModel
		if i < len(prior) {
			p = &prior[i]
		}
		items = append(items, stepValue(ctx, s, p, d))
	}
	m.Steps = types.ListValueMust(stepType, items)
}

// flattenSchedule reads the CronWorkflow; cron is nil when there is none.
func flattenSchedule(cron *unstructured.Unstructured, m *pipelineModel) {
	if cron == nil {
		m.Schedule = types.ObjectNull(scheduleAttrTypes)
		m.CronWorkflow = types.StringNull()
		m.LastScheduledTime = types.StringNull()
		return
	}
	cs, _, _ := unstructured.NestedMap(cron.Object, "spec")
	schedules, _, _ := unstructured.NestedStringSlice(cs, "schedules")
	if legacy, _ := cs["schedule"].(string); legacy != "" && len(schedules) == 0 {
		schedules = []string{legacy} // Argo before 3.6 (an imported CronWorkflow)
	}
	tz, _ := cs["timezone"].(string)
	policy, _ := cs["concurrencyPolicy"].(string)
	if policy == "" {
		policy = "Allow"
	}
	suspend, _ := cs["suspend"].(bool)
	prior := types.StringNull()
	if !m.Schedule.IsNull() && !m.Schedule.IsUnknown() {
		prior, _ = m.Schedule.Attributes()["starting_deadline"].(types.String)
	}
	m.Schedule = types.ObjectValueMust(scheduleAttrTypes, map[string]attr.Value{
		"cron":               tfval.StringList(schedules),
		"timezone":           tfval.OptString(tz),
		"concurrency_policy": types.StringValue(policy),
		"suspend":            types.BoolValue(suspend),
		"starting_deadline":  optDuration(kube.Int64(cs, "startingDeadlineSeconds"), prior),
		"successful_history": types.Int64PointerValue(kube.Int64(cs, "successfulJobsHistoryLimit")),
		"failed_history":     types.Int64PointerValue(kube.Int64(cs, "failedJobsHistoryLimit")),
	})
	m.CronWorkflow = types.StringValue(cron.GetName())
	last, _, _ := unstructured.NestedString(cron.Object, "status", "lastScheduledTime")
	m.LastScheduledTime = tfval.OptString(last)
}

// ---- small helpers ----

// formatSeconds spells a number of seconds the way people write durations:
// 7200 -> "2h", 600 -> "10m", 5400 -> "1h30m", 45 -> "45s".
func formatSeconds(secs int64) string {
	if secs == 0 {
		return "0s"
	}
	h, m, s := secs/3600, secs%3600/60, secs%60
	out := ""
	if h > 0 {
		out += fmt.Sprintf("%dh", h)
	}
	if m > 0 {
		out += fmt.Sprintf("%dm", m)
	}
	if s > 0 {
		out += fmt.Sprintf("%ds", s)
	}
	return out
}
