package serving

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/conns"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/diags"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

var (
	_ resource.Resource                = &runtimeResource{}
	_ resource.ResourceWithConfigure   = &runtimeResource{}
	_ resource.ResourceWithImportState = &runtimeResource{}
	_ resource.ResourceWithIdentity    = &runtimeResource{}
	_ resource.ResourceWithModifyPlan  = &runtimeResource{}
)

// NewRuntimeResource returns the mlops_serving_runtime resource.
func NewRuntimeResource() resource.Resource { return &runtimeResource{} }

type runtimeResource struct {
	data *conns.ProviderData
}

const (
	runtimeKind           = "serving runtime"
	defaultRuntimeTimeout = 5 * time.Minute
)

var runtimeIdentity = tfval.Identity([]tfval.IdentityAttr{
	{Name: "namespace", Description: "Namespace of the ServingRuntime; unset for a ClusterServingRuntime.", Optional: true},
	{Name: "name", Description: "Name of the runtime."},
})

func (r *runtimeResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	runtimeIdentity.Schema(resp)
}

func (r *runtimeResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_serving_runtime"
}

func (r *runtimeResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = runtimeSchema(ctx)
}

func (r *runtimeResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = conns.FromConfigure(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan fills the default namespace of a namespaced runtime, and
// checks the Kubernetes settings at plan.
func (r *runtimeResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	conns.Kube(r.data, &resp.Diagnostics)
	var plan runtimeModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.ClusterWide.IsUnknown() || !plan.Namespace.IsUnknown() {
		return
	}
	if plan.ClusterWide.ValueBool() {
		plan.Namespace = types.StringNull()
	} else {
		plan.Namespace = types.StringValue(r.data.Namespace)
	}
	if req.State.Raw.IsNull() && !plan.Name.IsUnknown() {
		plan.ID = types.StringValue(kube.ID{Namespace: plan.Namespace.ValueString(), Name: plan.Name.ValueString()}.String())
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *runtimeResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer func() { resp.Diagnostics.Append(runtimeIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	r.write(ctx, diags.Create, req.Plan.Get, resp.State.Set, &resp.Diagnostics)
}

// write creates (once it has checked that no runtime has the name) or
// updates the runtime the plan describes: it server-side-applies it and
// records the answer in state.
func (r *runtimeResource) write(ctx context.Context, op diags.Op, get, set func(context.Context, any) diag.Diagnostics, d *diag.Diagnostics) {
	timeout := func(m *runtimeModel) conns.Timeout {
		if op == diags.Create {
			return m.Timeouts.Create
		}
		return m.Timeouts.Update
	}
	plan, ctx, cancel := conns.Begin(ctx, get, timeout, defaultRuntimeTimeout, d)
	defer cancel()
	c := conns.Kube(r.data, d)
	if d.HasError() {
		return
	}

	spec := expandRuntime(ctx, plan, d)
	if d.HasError() {
		return
	}
	if op == diags.Create {
		if err := c.CheckAbsent(ctx, spec.gvr(), spec.Namespace, spec.Name); err != nil {
			diags.AddKubeError(d, "creating", runtimeObject(spec), spec.id(), err)
			return
		}
	}
	obj, err := c.Apply(ctx, spec.gvr(), spec.toObject())
	if err != nil {
		diags.AddKubeError(d, op.Verb(), runtimeObject(spec), spec.id(), err)
	} else {
		flattenRuntime(ctx, runtimeFromObject(obj), &plan, d)
	}
	d.Append(set(ctx, &plan)...)
}

func (r *runtimeResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(runtimeIdentity.FromRead(ctx, req, resp)...) }()
	state, ctx, cancel := conns.Begin(ctx, req.State.Get, func(m *runtimeModel) conns.Timeout { return m.Timeouts.Read }, defaultRuntimeTimeout, &resp.Diagnostics)
	defer cancel()
	c := conns.Kube(r.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	spec := runtimeSpec{Name: state.Name.ValueString()}
	if !state.ClusterWide.ValueBool() {
		spec.Namespace = state.Namespace.ValueString()
	}
	obj, err := c.Get(ctx, spec.gvr(), spec.Namespace, spec.Name)
	if kube.IsObjectNotFound(err) {
		diags.AddNotFoundWarning(&resp.Diagnostics, runtimeKind, spec.id().String())
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		diags.AddKubeError(&resp.Diagnostics, "reading", runtimeObject(spec), spec.id(), err)
		return
	}
	flattenRuntime(ctx, runtimeFromObject(obj), &state, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *runtimeResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer func() { resp.Diagnostics.Append(runtimeIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	r.write(ctx, diags.Update, req.Plan.Get, resp.State.Set, &resp.Diagnostics)
}

func (r *runtimeResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel := conns.Begin(ctx, req.State.Get, func(m *runtimeModel) conns.Timeout { return m.Timeouts.Delete }, defaultRuntimeTimeout, &resp.Diagnostics)
	defer cancel()
	c := conns.Kube(r.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	spec := expandRuntime(ctx, state, &resp.Diagnostics)
	var still *kube.StillThereError
	if err := c.DeleteAndWait(ctx, spec.gvr(), spec.Namespace, spec.Name); errors.As(err, &still) {
		resp.Diagnostics.AddError("Error deleting serving runtime",
			fmt.Sprintf("The %s %s was deleted but is still there: %v. Raise timeouts.delete if deletion is slow.", runtimeObject(spec).APIKind, spec.id(), still.Err))
	} else if err != nil {
		diags.AddKubeError(&resp.Diagnostics, "deleting", runtimeObject(spec), spec.id(), err)
	}
}

func (r *runtimeResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importID := req.ID
	if v, ok := runtimeIdentity.Values(ctx, req, &resp.Diagnostics); ok {
		importID = kube.ID{Namespace: v["namespace"], Name: v["name"]}.String()
	}
	ns, name, problem := parseRuntimeID(importID)
	if problem != "" {
		resp.Diagnostics.AddError("Invalid import ID", problem)
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), importID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cluster_wide"), ns == "")...)
	if ns != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("namespace"), ns)...)
	}
}

// parseRuntimeID parses mlops_serving_runtime's import ID.
func parseRuntimeID(id string) (namespace, name, problem string) {
	if !strings.Contains(id, "/") && kube.IDPart(id) {
		return "", id, ""
	}
	namespace, name, ok := strings.Cut(id, "/")
	if !ok || !kube.IDPart(namespace) || !kube.IDPart(name) {
		return "", "", fmt.Sprintf("The import ID of mlops_serving_runtime is `<namespace>/<name>` for a ServingRuntime, such as `ml-serving/vllm`, "+
			"or `<name>` for a ClusterServingRuntime; got %q.", id)
	}
	return namespace, name, ""
}

// runtimeObject names the runtime's kind in errors.
func runtimeObject(s runtimeSpec) diags.KubeObject {
	if s.Namespace == "" {
		return diags.KubeObject{Kind: runtimeKind, APIKind: "ClusterServingRuntime", Resources: "clusterservingruntimes.serving.kserve.io", Installed: "KServe"}
	}
	return diags.KubeObject{Kind: runtimeKind, APIKind: "ServingRuntime", Resources: "servingruntimes.serving.kserve.io", Installed: "KServe"}
}
