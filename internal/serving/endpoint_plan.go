package serving

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/conns"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/diags"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// This file is an endpoint's plan: the early return when nothing changes,
// the registry references resolved at plan, and the checks of the model's
// format against the runtimes in reach.

// ModifyPlan fills the default namespace and resolves registry references
// (alias → version → storage location) at plan time, so that a moved alias
// shows as a planned change of resolved_version.
func (r *endpointResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	r.kube(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || r.unchanged(ctx, req, &resp.Diagnostics) {
		return
	}
	codec := endpointCodec()
	var plan endpointModel
	resp.Diagnostics.Append(codec.Get(ctx, req.Plan.Raw, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	proposed := plan
	if plan.Namespace.IsUnknown() && req.State.Raw.IsNull() {
		plan.Namespace = types.StringValue(r.data.Namespace)
	}
	var state *endpointModel
	if !req.State.Raw.IsNull() {
		state = &endpointModel{}
		resp.Diagnostics.Append(codec.Get(ctx, req.State.Raw, state)...)
	}

	r.resolveModels(ctx, &plan, true, &resp.Diagnostics)
	r.checkPlannedFormat(ctx, plan, state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	// Any change of what is served makes the status unknown until applied.
	if state != nil && (!plan.Model.Equal(state.Model) || !plan.Canary.Equal(state.Canary) || !plan.Scaling.Equal(state.Scaling) ||
		!plan.DeploymentMode.Equal(state.DeploymentMode) || !plan.Labels.Equal(state.Labels) || !plan.Annotations.Equal(state.Annotations) ||
		!plan.Logger.Equal(state.Logger) || !plan.Batcher.Equal(state.Batcher) || !plan.Container.Equal(state.Container) ||
		!plan.Transformer.Equal(state.Transformer) || !plan.Pod.Equal(state.Pod) || !plan.RequestTimeout.Equal(state.RequestTimeout) ||
		!plan.Concurrency.Equal(state.Concurrency)) {
		plan.Ready = types.BoolUnknown()
		plan.Traffic = types.MapUnknown(types.Int64Type)
		plan.Conditions = types.ListUnknown(conditionType)
	}
	// A create whose wait could not be confirmed: wait again now.
	if state != nil && !state.Ready.ValueBool() && plan.WaitForReady.ValueBool() {
		if mark, d := req.Private.GetKey(ctx, privateWaitUnconfirmed); len(mark) > 0 && !d.HasError() {
			// Everything the status gives may change while it waits.
			plan.Ready = types.BoolUnknown()
			plan.Traffic = types.MapUnknown(types.Int64Type)
			plan.Conditions = types.ListUnknown(conditionType)
			plan.URL = types.StringUnknown()
		}
	}
	if state == nil && !plan.Name.IsUnknown() && !plan.Namespace.IsUnknown() {
		plan.ID = types.StringValue(kube.ID{Namespace: plan.Namespace.ValueString(), Name: plan.Name.ValueString()}.String())
	}
	// resp.Plan holds the proposed plan: written only when it changed.
	resp.Diagnostics.Append(codec.Update(ctx, &proposed, &plan, &resp.Plan.Raw)...)
}

// unchanged tells a plan that changes nothing and has nothing to resolve:
// the configuration is what the state records, each model is a storage URI
// (no registry reference, whose alias may have moved or whose location the
// registry gives) and is what the live object serves, and no unconfirmed
// wait is to be resumed. Such a plan is left as the framework made it, with
// no conversion of the whole endpoint.
func (r *endpointResource) unchanged(ctx context.Context, req resource.ModifyPlanRequest, d *diag.Diagnostics) bool {
	if req.State.Raw.IsNull() || !req.Plan.Raw.Equal(req.State.Raw) {
		return false
	}
	codec := endpointCodec()
	for _, name := range []string{"model", "canary"} {
		var m types.Object
		if diags := codec.GetAttribute(ctx, req.Plan.Raw, name, &m); diags.HasError() || m.IsUnknown() {
			return false
		}
		if m.IsNull() {
			continue
		}
		attrs := m.Attributes()
		uri, _ := attrs["storage_uri"].(types.String)
		if registered, _ := attrs["registered_model"].(types.String); !registered.IsNull() || uri.IsNull() || !uri.Equal(attrs["resolved_storage_uri"]) {
			return false
		}
	}
	var ready types.Bool
	d.Append(codec.GetAttribute(ctx, req.State.Raw, "ready", &ready)...)
	mark, _ := req.Private.GetKey(ctx, privateWaitUnconfirmed)
	return ready.ValueBool() || len(mark) == 0
}

// checkPlannedFormat checks, when the model's format is new or changed and
// KServe is to pick its runtime, that a runtime in reach declares it.
func (r *endpointResource) checkPlannedFormat(ctx context.Context, plan endpointModel, state *endpointModel, d *diag.Diagnostics) {
	var mm, sm modelModel
	if !workload.ObjectOf(ctx, plan.Model, &mm, d) || !plan.Container.IsNull() || !mm.Runtime.IsNull() || plan.Namespace.IsUnknown() ||
		mm.Format.IsUnknown() || mm.Format.IsNull() || mm.FormatVersion.IsUnknown() || mm.Protocol.IsUnknown() {
		return
	}
	if state != nil && workload.ObjectOf(ctx, state.Model, &sm, d) && sm.Format.Equal(mm.Format) && sm.FormatVersion.Equal(mm.FormatVersion) &&
		sm.Protocol.Equal(mm.Protocol) && sm.Runtime.IsNull() && state.Container.IsNull() {
		return // unchanged: checked when it was planned
	}
	checkFormat(ctx, r.data, r.kube(d), plan.Namespace.ValueString(), mm.Format.ValueString(), mm.FormatVersion.ValueString(), mm.Protocol.ValueString(), d)
}

// resolveModels fills resolved_version and resolved_storage_uri of the model
// and the canary. At plan time a reference that the registry does not know
// yet (a version or alias created in the same apply) stays unknown and is
// resolved at apply time; at apply time it is an error.
func (r *endpointResource) resolveModels(ctx context.Context, m *endpointModel, atPlan bool, d *diag.Diagnostics) {
	var mm modelModel
	if m.Model.IsUnknown() || m.Model.IsNull() {
		return
	}
	d.Append(tfval.As(ctx, m.Model, &mm)...)
	if atPlan || mm.ResolvedStorageURI.IsUnknown() {
		mm.ResolvedVersion, mm.ResolvedStorageURI = r.resolve(ctx, path.Root("model"), mm.RegisteredModel, mm.Version, mm.Alias, mm.StorageURI, mm.Runtime, atPlan, d)
		m.Model = objectValue(ctx, modelAttrTypes, mm, d)
	}
	if !m.Canary.IsNull() && !m.Canary.IsUnknown() {
		var cm canaryModel
		d.Append(tfval.As(ctx, m.Canary, &cm)...)
		if atPlan || cm.ResolvedStorageURI.IsUnknown() {
			cm.ResolvedVersion, cm.ResolvedStorageURI = r.resolve(ctx, path.Root("canary"), cm.RegisteredModel, cm.Version, cm.Alias, cm.StorageURI, mm.Runtime, atPlan, d)
			m.Canary = objectValue(ctx, canaryAttrTypes, cm, d)
		}
	}
}

// resolve returns the version and storage URI to serve for one reference.
func (r *endpointResource) resolve(ctx context.Context, at path.Path, registered, version, alias, storageURI, runtime types.String,
	atPlan bool, d *diag.Diagnostics) (types.String, types.String) {
	if registered.IsUnknown() || version.IsUnknown() || alias.IsUnknown() || storageURI.IsUnknown() {
		return types.StringUnknown(), types.StringUnknown()
	}
	if registered.IsNull() {
		return types.StringNull(), storageURI
	}
	c := conns.MLflow(r.data, d)
	if c == nil {
		return types.StringUnknown(), types.StringUnknown()
	}
	name := registered.ValueString()
	v := version.ValueString()
	if !alias.IsNull() {
		mv, err := c.GetModelVersionByAlias(ctx, name, alias.ValueString())
		if err != nil && atPlan && mlflow.IsNotFound(err) {
			return types.StringUnknown(), types.StringUnknown() // created in this apply
		}
		if err != nil {
			d.AddAttributeError(at.AtName("alias"), "Error resolving model alias", diags.Detail("model alias", name+"@"+alias.ValueString(), err))
			return types.StringUnknown(), types.StringUnknown()
		}
		v = mv.Version
	}
	if !storageURI.IsNull() {
		return types.StringValue(v), storageURI
	}
	loc, err := c.GetModelVersionDownloadURI(ctx, name, v)
	if err != nil && atPlan && mlflow.IsNotFound(err) {
		return types.StringValue(v), types.StringUnknown() // created in this apply
	}
	if err != nil {
		if mlflow.IsNotFound(err) {
			d.AddAttributeError(at.AtName("version"), "Model version not found",
				fmt.Sprintf("The registry has no version %s of model %q. Register it first, or name another version.\n\nServer said: %s", v, name, err))
		} else {
			diags.AddAPIError(d, "reading the storage location of", "model version", name+"/"+v, err)
		}
		return types.StringUnknown(), types.StringUnknown()
	}
	if scheme := uriScheme(loc); unservableSchemes[scheme] && runtime.IsNull() {
		d.AddAttributeError(at, "Model location not servable by KServe",
			fmt.Sprintf("Version %s of model %q is stored at %s, a %s URI that KServe's storage initializer cannot read. "+
				"Set storage_uri to where the files are (s3://, gs://, https://, pvc://, ...), or set model.runtime to a ServingRuntime that resolves MLflow URIs.",
				v, name, loc, scheme))
		return types.StringUnknown(), types.StringUnknown()
	}
	return types.StringValue(v), types.StringValue(loc)
}

var unservableSchemes = map[string]bool{"runs": true, "models": true, "mlflow-artifacts": true}

func uriScheme(u string) string {
	if i := strings.Index(u, ":"); i > 0 {
		return u[:i]
	}
	return ""
}
