package registry

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/conns"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/diags"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
)

var (
	_ resource.ResourceWithImportState = &modelPermissionResource{}
	_ resource.ResourceWithIdentity    = &modelPermissionResource{}
	_ resource.ResourceWithModifyPlan  = &modelPermissionResource{}
)

// NewModelPermissionResource returns the mlops_registered_model_permission
// resource: one user's permission on one registered model, in MLflow's
// authentication app.
func NewModelPermissionResource() resource.Resource {
	return &modelPermissionResource{resourceBase{
		typeName: "_registered_model_permission", identity: modelPermissionIdentity, imports: modelPermissionImport,
	}}
}

type modelPermissionResource struct{ resourceBase }

type modelPermissionModel struct {
	ID         types.String   `tfsdk:"id"`
	ModelName  types.String   `tfsdk:"model_name"`
	Username   types.String   `tfsdk:"username"`
	Permission types.String   `tfsdk:"permission"`
	Timeouts   timeouts.Value `tfsdk:"timeouts"`
}

// modelPermissionCodec reads and writes the resource's state (see tfval.Codec).
var modelPermissionCodec = tfval.ResourceCodec[modelPermissionModel](NewModelPermissionResource())

func (m modelPermissionModel) grant() mlflow.Grant {
	return mlflow.Grant{Username: m.Username.ValueString(), ResourceType: mlflow.ResourceRegisteredModel,
		ResourceID: m.ModelName.ValueString(), Permission: m.Permission.ValueString()}
}

func (m modelPermissionModel) id() string {
	return modelPermissionID(m.ModelName.ValueString(), m.Username.ValueString())
}

const modelPermissionKind = "registered model permission"

// modelPermissionIdentity is the resource's identity.
var modelPermissionIdentity = tfval.Identity([]tfval.IdentityAttr{
	{Name: "model_name", Description: "Name of the registered model."},
	{Name: "username", Description: "The MLflow user."},
})

func (r *modelPermissionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A user's permission on a registered model, on an MLflow server that runs MLflow's authentication app " +
			"(`mlflow server --app-name basic-auth`): who may read, use, edit or manage the model, reviewed like the rest of the configuration. " +
			"The provider's credentials need `MANAGE` on the model (or an admin's). Destroying the resource revokes the permission; " +
			"a permission changed or revoked outside Terraform shows as a diff.",
		Attributes: map[string]schema.Attribute{
			"id":         idAttribute("`<model_name>/<username>`."),
			"model_name": modelNameAttribute("the permission"),
			"username": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The MLflow user (of the authentication app) who gets the permission. Changing it replaces the permission.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{validate.NotBlank()},
			},
			"permission": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "One of `READ` (see the model), `USE` (also load and serve it), `EDIT` (also change it), " +
					"`MANAGE` (also delete it and manage its permissions), `DENY` and `NO_PERMISSIONS`. Changing it updates the permission in place.",
				Validators: []validator.String{stringvalidator.OneOf(mlflow.Permissions...)},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *modelPermissionResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.checkClientAtPlan(req, resp)
}

func (r *modelPermissionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer func() { resp.Diagnostics.Append(modelPermissionIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	plan, ctx, cancel, c, ok := begin(ctx, &r.base, req.Plan.Get, func(m *modelPermissionModel) conns.Timeout { return m.Timeouts.Create }, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	if !grant(ctx, c, plan, &resp.Diagnostics) {
		return
	}
	plan.ID = types.StringValue(plan.id())
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// grant grants m's permission and reports how it ended: a refusal
// (addGrantError), a lost answer that looking could not settle, or one
// settled by finding the grant (diags.AddCreateOutcome). It returns false
// when there is no grant to record.
func grant(ctx context.Context, c *mlflow.Client, m modelPermissionModel, d *diagnostics) bool {
	recovered, err := c.GrantPermissionChecked(ctx, m.grant())
	var ambiguous *mlflow.AmbiguousCreateError
	if err != nil && !errors.As(err, &ambiguous) {
		addGrantError(d, m, err)
		return false
	}
	return diags.AddCreateOutcome(d, modelPermissionKind, m.id(), recovered, err, func(string) string { return m.id() })
}

// addGrantError explains a refused grant: a grant that exists already, a
// user MLflow does not know, or any other API error.
func addGrantError(d *diagnostics, m modelPermissionModel, err error) {
	switch {
	case mlflow.IsAlreadyExists(err):
		d.AddAttributeError(path.Root("username"), "Error creating registered model permission",
			fmt.Sprintf("The user %q has a permission on the model %q already. Import it with `terraform import <address> %s` to manage it.\n\nServer said: %s",
				m.Username.ValueString(), m.ModelName.ValueString(), m.id(), err))
	case mlflow.IsNotFound(err):
		d.AddAttributeError(path.Root("username"), "Error granting registered model permission",
			fmt.Sprintf("MLflow's authentication app has no user %q: create the user first (an admin can, in MLflow's UI or with its users/create API), "+
				"or correct username.\n\nServer said: %s", m.Username.ValueString(), err))
	default:
		diags.AddAPIError(d, "granting", modelPermissionKind, m.id(), err)
	}
}

func (r *modelPermissionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(modelPermissionIdentity.FromRead(ctx, req, resp)...) }()
	state, ctx, cancel, c, ok := begin(ctx, &r.base, modelPermissionCodec().Getter(req.State.Raw), func(m *modelPermissionModel) conns.Timeout { return m.Timeouts.Read }, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	prior := state

	g, err := c.GetGrant(ctx, state.Username.ValueString(), mlflow.ResourceRegisteredModel, state.ModelName.ValueString())
	switch {
	case mlflow.IsNotFound(err):
		diags.AddNotFoundWarning(&resp.Diagnostics, modelPermissionKind, state.id())
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		diags.AddAPIError(&resp.Diagnostics, "reading", modelPermissionKind, state.id(), err)
		return
	}
	state.ID = types.StringValue(state.id())
	state.Permission = types.StringValue(g.Permission)
	// resp.State holds the prior state: written only when the read changed it.
	resp.Diagnostics.Append(modelPermissionCodec().Update(ctx, &prior, &state, &resp.State.Raw)...)
}

// Update changes the permission: the grants API has no update, so the old
// grant is revoked and the new one granted. When the grant fails, the old
// one is granted again, so that the user is not left without access.
func (r *modelPermissionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer func() { resp.Diagnostics.Append(modelPermissionIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	var state modelPermissionModel
	plan, ctx, cancel, c, ok := begin(ctx, &r.base, req.Plan.Get, func(m *modelPermissionModel) conns.Timeout { return m.Timeouts.Update }, defaultTimeout, &resp.Diagnostics,
		read{req.State.Get, &state})
	defer cancel()
	if !ok {
		return
	}

	if err := c.RevokePermission(ctx, state.grant()); err != nil && !mlflow.IsNotFound(err) {
		diags.AddAPIError(&resp.Diagnostics, "updating", modelPermissionKind, plan.id(), fmt.Errorf("revoking %s: %w", state.Permission.ValueString(), err))
		return
	}
	if !grant(ctx, c, plan, &resp.Diagnostics) {
		if _, rerr := c.GrantPermissionChecked(ctx, state.grant()); rerr != nil {
			resp.Diagnostics.AddError("Error restoring registered model permission",
				fmt.Sprintf("The permission %s of %s was revoked to change it, and granting it again failed too: %v. "+
					"The user has no permission of their own on the model now, and the state no longer records one: apply again to grant %s.",
					state.Permission.ValueString(), plan.id(), rerr, plan.Permission.ValueString()))
			resp.State.RemoveResource(ctx)
		}
		return
	}
	plan.ID = types.StringValue(plan.id())
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *modelPermissionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel, c, ok := begin(ctx, &r.base, req.State.Get, func(m *modelPermissionModel) conns.Timeout { return m.Timeouts.Delete }, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	if err := c.RevokePermission(ctx, state.grant()); err != nil && !mlflow.IsNotFound(err) {
		diags.AddAPIError(&resp.Diagnostics, "revoking", modelPermissionKind, state.id(), err)
	}
}
