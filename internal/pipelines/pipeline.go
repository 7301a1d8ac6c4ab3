package pipelines

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
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
		plan.ID = types.StringValue(kube.ID{Namespace: plan.Namespace.ValueString(), Name: plan.Name.ValueString()}.String())
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
	r.write(ctx, diags.Create, req.Plan.Get, resp.State.Set, &resp.Diagnostics)
}

// write creates or updates the pipeline the plan describes, and records
// it in state.
func (r *pipelineResource) write(ctx context.Context, op diags.Op, get, set func(context.Context, any) diag.Diagnostics, d *diag.Diagnostics) {
	timeout := func(m *pipelineModel) conns.Timeout {
		if op == diags.Create {
			return m.Timeouts.Create
		}
		return m.Timeouts.Update
	}
	plan, ctx, cancel := conns.Begin(ctx, get, timeout, defaultPipelineWait, d)
	defer cancel()
	c := r.kube(d)
	if d.HasError() {
		return
	}

	p := expand(ctx, plan, d)
	if d.HasError() {
		return
	}
	if op == diags.Create {
		createObjects(ctx, c, p, &plan, set, d)
	} else {
		updateObjects(ctx, c, p, &plan, set, d)
	}
}

// createObjects creates the objects of a new pipeline, after checking that none
// of them exists.
func createObjects(ctx context.Context, c *kube.Client, p pipelineSpec, plan *pipelineModel, set func(context.Context, any) diag.Diagnostics, d *diag.Diagnostics) {
	id := p.id()
	for _, gvr := range []schema.GroupVersionResource{WorkflowTemplateGVR, CronWorkflowGVR, EventBindingGVR} {
		if (gvr == CronWorkflowGVR && p.Schedule == nil) || (gvr == EventBindingGVR && p.Trigger == nil) {
			continue
		}
		if err := c.CheckAbsent(ctx, gvr, p.Namespace, p.Name); err != nil {
			addKubeError(d, "creating", id, err)
			return
		}
	}
	tmpl, err := c.Apply(ctx, WorkflowTemplateGVR, p.workflowTemplate())
	if err != nil {
		addKubeError(d, "creating", id, err)
		return
	}
	var cron, binding *unstructured.Unstructured
	if p.Schedule != nil {
		if cron, err = applyCron(ctx, c, p); err != nil {
			// The template exists: record it, so the next apply adds the schedule.
			flatten(ctx, tmpl, nil, nil, plan, d)
			d.Append(set(ctx, plan)...)
			addKubeError(d, "creating the schedule of", id, err)
			return
		}
	}
	if p.Trigger != nil {
		if binding, err = c.Apply(ctx, EventBindingGVR, p.eventBinding()); err != nil {
			flatten(ctx, tmpl, cron, nil, plan, d)
			d.Append(set(ctx, plan)...)
			addKubeError(d, "creating the trigger of", id, err)
			return
		}
	}
	flatten(ctx, tmpl, cron, binding, plan, d)
	d.Append(set(ctx, plan)...)
}

func (r *pipelineResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(pipelineIdentity.FromRead(ctx, req, resp)...) }()
	state, ctx, cancel := conns.Begin(ctx, req.State.Get, func(m *pipelineModel) conns.Timeout { return m.Timeouts.Read }, defaultPipelineWait, &resp.Diagnostics)
	defer cancel()
	c := r.kube(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	id := kube.ID{Namespace: state.Namespace.ValueString(), Name: state.Name.ValueString()}
	tmpl, err := c.Get(ctx, WorkflowTemplateGVR, id.Namespace, id.Name)
	if kube.IsObjectNotFound(err) {
		diags.AddNotFoundWarning(&resp.Diagnostics, pipelineKind, id.String())
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addKubeError(&resp.Diagnostics, "reading", id, err)
		return
	}
	// The CronWorkflow is read when the state has a schedule, and on import.
	var cron *unstructured.Unstructured
	if !state.Schedule.IsNull() || state.WorkflowTemplate.IsNull() {
		if cron, err = c.GetOptional(ctx, CronWorkflowGVR, id.Namespace, id.Name); err != nil {
			addKubeError(&resp.Diagnostics, "reading the schedule of", id, err)
			return
		}
	}
	// Likewise the WorkflowEventBinding.
	var binding *unstructured.Unstructured
	if !state.Trigger.IsNull() || state.WorkflowTemplate.IsNull() {
		if binding, err = c.GetOptional(ctx, EventBindingGVR, id.Namespace, id.Name); err != nil {
			addKubeError(&resp.Diagnostics, "reading the trigger of", id, err)
			return
		}
	}
	flatten(ctx, tmpl, cron, binding, &state, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *pipelineResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer func() { resp.Diagnostics.Append(pipelineIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	r.write(ctx, diags.Update, req.Plan.Get, resp.State.Set, &resp.Diagnostics)
}

// updateObjects applies every object of the pipeline from the plan (the plan is
// the whole truth), and deletes a schedule or a trigger it no longer has.
func updateObjects(ctx context.Context, c *kube.Client, p pipelineSpec, plan *pipelineModel, set func(context.Context, any) diag.Diagnostics, d *diag.Diagnostics) {
	id := p.id()
	tmpl, err := c.Apply(ctx, WorkflowTemplateGVR, p.workflowTemplate())
	if err != nil {
		addKubeError(d, "updating", id, err)
		return
	}
	var cron *unstructured.Unstructured
	if p.Schedule != nil {
		if cron, err = applyCron(ctx, c, p); err != nil {
			addKubeError(d, "updating the schedule of", id, err)
			return
		}
	} else if err := c.DeleteAndWait(ctx, CronWorkflowGVR, p.Namespace, p.Name); err != nil {
		addKubeError(d, "removing the schedule of", id, err)
		return
	}
	var binding *unstructured.Unstructured
	if p.Trigger != nil {
		if binding, err = c.Apply(ctx, EventBindingGVR, p.eventBinding()); err != nil {
			addKubeError(d, "updating the trigger of", id, err)
			return
		}
	} else if err := c.DeleteAndWait(ctx, EventBindingGVR, p.Namespace, p.Name); err != nil {
		addKubeError(d, "removing the trigger of", id, err)
		return
	}
	flatten(ctx, tmpl, cron, binding, plan, d)
	d.Append(set(ctx, plan)...)
}

func (r *pipelineResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel := conns.Begin(ctx, req.State.Get, func(m *pipelineModel) conns.Timeout { return m.Timeouts.Delete }, defaultPipelineWait, &resp.Diagnostics)
	defer cancel()
	c := r.kube(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	id := kube.ID{Namespace: state.Namespace.ValueString(), Name: state.Name.ValueString()}
	// The schedule and the trigger first, so that neither starts a run of a
	// missing template.
	for _, gvr := range []schema.GroupVersionResource{CronWorkflowGVR, EventBindingGVR, WorkflowTemplateGVR} {
		if err := c.DeleteAndWait(ctx, gvr, id.Namespace, id.Name); err != nil {
			addKubeError(&resp.Diagnostics, "deleting", id, err)
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

func addKubeError(d *diag.Diagnostics, action string, id kube.ID, err error) {
	diags.AddKubeError(d, action, argoObject, id, err)
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
