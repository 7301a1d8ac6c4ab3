// Package serving implements mlops_endpoint and its data source (models
// served by KServe InferenceServices, with canaries and progressive
// rollouts) and mlops_serving_runtime (KServe ServingRuntimes and
// ClusterServingRuntimes), through the Kubernetes API. It imports conns,
// diags, kube, mlflow, retry, tfval, validate and workload, never another
// resource family.
package serving

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/conns"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/diags"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

var (
	_ resource.Resource                     = &endpointResource{}
	_ resource.ResourceWithConfigure        = &endpointResource{}
	_ resource.ResourceWithImportState      = &endpointResource{}
	_ resource.ResourceWithIdentity         = &endpointResource{}
	_ resource.ResourceWithModifyPlan       = &endpointResource{}
	_ resource.ResourceWithConfigValidators = &endpointResource{}
)

// Resources lists the family's resources.
func Resources() []func() resource.Resource {
	return []func() resource.Resource{NewEndpointResource, NewRuntimeResource}
}

// DataSources lists the family's data sources.
func DataSources() []func() datasource.DataSource {
	return []func() datasource.DataSource{NewEndpointDataSource}
}

// NewEndpointResource returns the mlops_endpoint resource.
func NewEndpointResource() resource.Resource { return &endpointResource{} }

type endpointResource struct {
	data *conns.ProviderData
}

const (
	endpointKind          = "endpoint"
	defaultEndpointWait   = 20 * time.Minute
	defaultEndpointDelete = 10 * time.Minute
)

// endpointIdentity is the resource's identity: `import { identity = {...} }`
// (Terraform 1.12+, OpenTofu 1.12+) imports by it.
var endpointIdentity = tfval.Identity([]tfval.IdentityAttr{{Name: "namespace", Description: "Namespace of the InferenceService."}, {Name: "name", Description: "Name of the InferenceService."}})

func (r *endpointResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	endpointIdentity.Schema(resp)
}

func (r *endpointResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_endpoint"
}

func (r *endpointResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = endpointSchema(ctx)
}

func (r *endpointResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = conns.FromConfigure(req.ProviderData, &resp.Diagnostics)
}

func (r *endpointResource) kube(d *diag.Diagnostics) *kube.Client { return conns.Kube(r.data, d) }

func (r *endpointResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer func() { resp.Diagnostics.Append(endpointIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	plan, ctx, cancel := conns.Begin(ctx, req.Plan.Get, func(m *endpointModel) conns.Timeout { return m.Timeouts.Create }, defaultEndpointWait, &resp.Diagnostics)
	defer cancel()
	c := r.kube(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	r.resolveModels(ctx, &plan, false, &resp.Diagnostics)
	spec := expand(ctx, plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	// Find: a create makes a new object, it never takes one over.
	if err := c.CheckAbsent(ctx, InferenceServiceGVR, spec.Namespace, spec.Name); err != nil {
		addKubeError(&resp.Diagnostics, "creating", spec.id(), err)
		return
	}
	// Act and wait, step by step; then flatten what the last step left.
	steps := createSteps(spec)
	var obj *unstructured.Unstructured
	for i, step := range steps {
		wait := plan.WaitForReady.ValueBool() || i < len(steps)-1
		var ok bool
		if obj, ok = r.createStep(ctx, c, step, i == 0, wait, &plan, resp); !ok {
			return
		}
	}
	flatten(ctx, obj, &plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// createSteps are the objects a create applies in turn. In Knative mode a
// canary needs a rolled-out revision of the model first: serve the model
// alone, then add the canary.
func createSteps(spec endpointSpec) []endpointSpec {
	if spec.Canary == nil || spec.Mode != ModeKnative {
		return []endpointSpec{spec}
	}
	first := spec
	first.Canary = nil
	return []endpointSpec{first, spec}
}

// createStep applies one step of a create and, when wait is set, waits for
// the endpoint to be ready. The first step's object is recorded at once:
// whatever happens next, the state knows it, and a failed create leaves it
// tainted. It returns the object and false when the create ends here.
func (r *endpointResource) createStep(ctx context.Context, c *kube.Client, step endpointSpec, first, wait bool,
	plan *endpointModel, resp *resource.CreateResponse) (*unstructured.Unstructured, bool) {
	obj, err := c.Apply(ctx, InferenceServiceGVR, step.toObject())
	if err != nil && first && kube.Transient(err) {
		// The answer may be lost although the apply was made: it did not
		// exist before, so if it exists now, this apply made it.
		if got, gerr := c.Get(ctx, InferenceServiceGVR, step.Namespace, step.Name); gerr == nil {
			obj, err = got, nil
		}
	}
	if err != nil {
		addKubeError(&resp.Diagnostics, "creating", step.id(), err)
		return nil, false
	}
	if first {
		flatten(ctx, obj, plan, &resp.Diagnostics)
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	}
	if !wait {
		return obj, true
	}
	waited, unconfirmed := r.waitReady(ctx, c, step, diags.Create, &resp.Diagnostics)
	switch {
	case unconfirmed:
		// Recorded, not failed: the next plan resumes the wait.
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateWaitUnconfirmed, []byte(`true`))...)
		return nil, false
	case resp.Diagnostics.HasError():
		if waited != nil {
			flatten(ctx, waited, plan, &resp.Diagnostics)
			resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
		}
		return nil, false
	}
	return waited, true
}

func (r *endpointResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(endpointIdentity.FromRead(ctx, req, resp)...) }()
	codec := endpointCodec()
	state, ctx, cancel := conns.Begin(ctx, codec.Getter(req.State.Raw), func(m *endpointModel) conns.Timeout { return m.Timeouts.Read }, 5*time.Minute, &resp.Diagnostics)
	defer cancel()
	c := r.kube(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	prior := state
	id := kube.ID{Namespace: state.Namespace.ValueString(), Name: state.Name.ValueString()}
	obj, err := c.Get(ctx, InferenceServiceGVR, id.Namespace, id.Name)
	if kube.IsObjectNotFound(err) {
		diags.AddNotFoundWarning(&resp.Diagnostics, endpointKind, id.String())
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addKubeError(&resp.Diagnostics, "reading", id, err)
		return
	}
	flatten(ctx, obj, &state, &resp.Diagnostics)
	if state.Ready.ValueBool() {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateWaitUnconfirmed, nil)...)
	}
	// resp.State holds the prior state: written only when the read changed it.
	resp.Diagnostics.Append(codec.Update(ctx, &prior, &state, &resp.State.Raw)...)
}

func (r *endpointResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer func() { resp.Diagnostics.Append(endpointIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	plan, ctx, cancel := conns.Begin(ctx, req.Plan.Get, func(m *endpointModel) conns.Timeout { return m.Timeouts.Update }, defaultEndpointWait, &resp.Diagnostics)
	defer cancel()
	var state endpointModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	c := r.kube(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	r.resolveModels(ctx, &plan, false, &resp.Diagnostics)
	want := expand(ctx, plan, &resp.Diagnostics)
	prior := expand(ctx, state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := want.id()
	// Find: the stable predictor keeps its name (a promoted canary's) and
	// with it its Deployment: read it from the live object.
	live, err := c.Get(ctx, InferenceServiceGVR, want.Namespace, want.Name)
	if err != nil {
		addKubeError(&resp.Diagnostics, "updating", id, err)
		return
	}
	want.PredictorName = fromObject(live).PredictorName
	prior.PredictorName = want.PredictorName
	want.staleStatus = invalidSpec(live, false).Failed

	// Act and wait: a new model with a rollout configured goes out step by
	// step, anything else in one apply.
	var obj *unstructured.Unstructured
	if !plan.Rollout.IsNull() && modelChanged(prior.Model, want.Model) {
		steps, interval := rolloutSettings(ctx, plan.Rollout, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		var failed bool
		if obj, failed = r.rollout(ctx, c, prior, want, steps, interval, &resp.Diagnostics); failed {
			// Traffic is back on the previous model: record what is served.
			if obj != nil {
				flatten(ctx, obj, &state, &resp.Diagnostics)
			}
			resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
			return
		}
	} else if obj = r.applyUpdate(ctx, c, want, plan.WaitForReady.ValueBool(), &resp.Diagnostics); obj == nil {
		return
	}
	if obj != nil && prior.Transformer != nil && want.Transformer == nil {
		if err := removeTransformer(ctx, c, obj); err != nil {
			addKubeError(&resp.Diagnostics, "removing the transformer of", id, err)
		}
	}
	if obj != nil {
		flatten(ctx, obj, &plan, &resp.Diagnostics)
	}
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateWaitUnconfirmed, nil)...)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// applyUpdate applies want and, when wait is set, waits for it to be ready.
// It returns the object as last seen, or nil when the apply failed.
func (r *endpointResource) applyUpdate(ctx context.Context, c *kube.Client, want endpointSpec, wait bool, d *diag.Diagnostics) *unstructured.Unstructured {
	obj, err := c.Apply(ctx, InferenceServiceGVR, want.toObject())
	if err != nil {
		addKubeError(d, "updating", want.id(), err)
		return nil
	}
	if wait {
		if waited, _ := r.waitReady(ctx, c, want, diags.Update, d); waited != nil {
			obj = waited
		}
	}
	return obj
}

// privateWaitUnconfirmed marks, in the endpoint's private state, a create
// whose wait could not reach the API server (see waitReady). While it is
// set and the endpoint is not ready, the plan shows an update that waits.
const privateWaitUnconfirmed = "wait_unconfirmed"

func (r *endpointResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel := conns.Begin(ctx, req.State.Get, func(m *endpointModel) conns.Timeout { return m.Timeouts.Delete }, defaultEndpointDelete, &resp.Diagnostics)
	defer cancel()
	c := r.kube(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	id := kube.ID{Namespace: state.Namespace.ValueString(), Name: state.Name.ValueString()}
	var still *kube.StillThereError
	if err := c.DeleteAndWait(ctx, InferenceServiceGVR, id.Namespace, id.Name); errors.As(err, &still) {
		detail := fmt.Sprintf("The InferenceService %s was deleted but is still there: %v.", id, still.Err)
		if f := still.Finalizers(); len(f) > 0 {
			detail += fmt.Sprintf(" It waits for its finalizers %v: check that the KServe controller is running.", f)
		}
		resp.Diagnostics.AddError("Error deleting endpoint", detail+" Raise timeouts.delete if deletion is slow.")
	} else if err != nil {
		addKubeError(&resp.Diagnostics, "deleting", id, err)
	}
}

func (r *endpointResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	endpointIdentity.ImportNamespaced(ctx, req, resp, "mlops_endpoint", "ml-serving/churn")
}

// modelChanged reports whether the served model differs (a custom server's
// image or arguments included).
func modelChanged(a, b modelSpec) bool {
	pa, pb := map[string]any{}, map[string]any{}
	a.renderInto(pa, false)
	b.renderInto(pb, false)
	return tfval.MustJSON(pa) != tfval.MustJSON(pb)
}

// isvcObject names InferenceServices in errors.
var isvcObject = diags.KubeObject{Kind: endpointKind, APIKind: "InferenceService",
	Resources: "inferenceservices.serving.kserve.io", Installed: "KServe"}

func addKubeError(d *diag.Diagnostics, action string, id kube.ID, err error) {
	diags.AddKubeError(d, action, isvcObject, id, err)
}
