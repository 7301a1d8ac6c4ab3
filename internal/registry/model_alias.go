package registry

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
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
	_ resource.Resource                = &modelAliasResource{}
	_ resource.ResourceWithConfigure   = &modelAliasResource{}
	_ resource.ResourceWithImportState = &modelAliasResource{}
	_ resource.ResourceWithIdentity    = &modelAliasResource{}
	_ resource.ResourceWithModifyPlan  = &modelAliasResource{}
)

// NewModelAliasResource returns the mlops_model_alias resource.
func NewModelAliasResource() resource.Resource {
	return &modelAliasResource{resourceBase{
		typeName: "_model_alias", identity: modelAliasIdentity, imports: modelAliasImport,
	}}
}

type modelAliasResource struct{ resourceBase }

type modelAliasModel struct {
	ID        types.String   `tfsdk:"id"`
	ModelName types.String   `tfsdk:"model_name"`
	Alias     types.String   `tfsdk:"alias"`
	Version   types.String   `tfsdk:"version"`
	Timeouts  timeouts.Value `tfsdk:"timeouts"`
}

// modelAliasCodec reads and writes the resource's state (see tfval.Codec).
var modelAliasCodec = tfval.ResourceCodec[modelAliasModel](NewModelAliasResource())

const modelAliasKind = "model alias"

// modelAliasIdentity is the resource's identity: `import { identity = {...} }`
// (Terraform 1.12+, OpenTofu 1.12+) imports by it.
var modelAliasIdentity = tfval.Identity([]tfval.IdentityAttr{{Name: "model_name", Description: "Name of the registered model."}, {Name: "alias", Description: "The alias, such as `champion`."}})

func (r *modelAliasResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An alias of a registered model (such as `champion`) that points at one of its versions. " +
			"Moving the alias to another version is an in-place update; an alias moved or deleted outside Terraform shows as a diff.",
		Attributes: map[string]schema.Attribute{
			"id":         idAttribute("`<model_name>@<alias>`."),
			"model_name": modelNameAttribute("the alias"),
			"alias": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The alias, such as `champion`: ASCII letters, digits, `_` and `-`, at most 255 bytes, not `latest` and not of the form `v<number>` " +
					"(MLflow reserves those). Changing it replaces the alias.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{validate.Alias()},
			},
			"version": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The version the alias points at, such as `3`. Changing it moves the alias in place.",
				Validators:          []validator.String{validate.VersionNumber()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *modelAliasResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.checkClientAtPlan(req, resp)
}

func (r *modelAliasResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer func() { resp.Diagnostics.Append(modelAliasIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	plan, ctx, cancel, c, ok := begin(ctx, &r.base, req.Plan.Get, func(m *modelAliasModel) conns.Timeout { return m.Timeouts.Create }, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	name, alias, version := plan.ModelName.ValueString(), plan.Alias.ValueString(), plan.Version.ValueString()
	id := name + "@" + alias
	// Setting an alias silently moves an existing one: refuse to take over an
	// alias that something else manages.
	existing, err := c.GetModelVersionByAlias(ctx, name, alias)
	switch {
	case err == nil:
		resp.Diagnostics.AddAttributeError(path.Root("alias"), "Error creating model alias",
			fmt.Sprintf("The alias %q of model %q exists already and points at version %s. "+
				"Import it with `terraform import <address> %s` to manage it, or choose another alias.", alias, name, existing.Version, id))
		return
	case !mlflow.IsNotFound(err):
		diags.AddAPIError(&resp.Diagnostics, "creating", modelAliasKind, id, fmt.Errorf("checking whether the alias exists already: %w", err))
		return
	}
	if err := c.SetAlias(ctx, name, alias, version); err != nil {
		diags.AddAPIError(&resp.Diagnostics, "creating", modelAliasKind, id, err)
		return
	}
	// The alias is set: the state records it whatever the read back says,
	// except when it is already gone.
	plan.ID = types.StringValue(id)
	mv, err := c.GetModelVersionByAlias(ctx, name, alias)
	switch {
	case err == nil:
		plan.Version = types.StringValue(mv.Version)
	case mlflow.IsNotFound(err):
		resp.Diagnostics.AddError("Error creating model alias",
			fmt.Sprintf("The alias %q of model %q was set to version %s, but it was gone when read back: something else removed it "+
				"(or its version) at once. Nothing is recorded in the state; apply again to set it.", alias, name, version))
		return
	case diags.Unconfirmed(err):
		diags.AddCreatedUnconfirmed(&resp.Diagnostics, "Model alias created, not read back", modelAliasKind, id,
			"reading it back (the state holds the version it was set to)", err, "The next refresh reads it.")
	default:
		diags.AddAPIError(&resp.Diagnostics, "reading back the created", modelAliasKind, id, err)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *modelAliasResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(modelAliasIdentity.FromRead(ctx, req, resp)...) }()
	state, ctx, cancel, c, ok := begin(ctx, &r.base, modelAliasCodec().Getter(req.State.Raw), func(m *modelAliasModel) conns.Timeout { return m.Timeouts.Read }, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	prior := state

	name, alias := state.ModelName.ValueString(), state.Alias.ValueString()
	if !r.readInto(ctx, c, name, alias, &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			diags.AddNotFoundWarning(&resp.Diagnostics, modelAliasKind, name+"@"+alias)
			resp.State.RemoveResource(ctx)
		}
		return
	}
	// resp.State holds the prior state: written only when the read changed it.
	resp.Diagnostics.Append(modelAliasCodec().Update(ctx, &prior, &state, &resp.State.Raw)...)
}

func (r *modelAliasResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer func() { resp.Diagnostics.Append(modelAliasIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	plan, ctx, cancel, c, ok := begin(ctx, &r.base, req.Plan.Get, func(m *modelAliasModel) conns.Timeout { return m.Timeouts.Update }, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	name, alias := plan.ModelName.ValueString(), plan.Alias.ValueString()
	if err := c.SetAlias(ctx, name, alias, plan.Version.ValueString()); err != nil {
		diags.AddAPIError(&resp.Diagnostics, "moving", modelAliasKind, name+"@"+alias, err)
		return
	}
	if !r.readInto(ctx, c, name, alias, &plan, &resp.Diagnostics) && !resp.Diagnostics.HasError() {
		resp.Diagnostics.AddError("Error updating model alias", fmt.Sprintf("The alias %s@%s vanished during the update.", name, alias))
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *modelAliasResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel, c, ok := begin(ctx, &r.base, req.State.Get, func(m *modelAliasModel) conns.Timeout { return m.Timeouts.Delete }, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	name, alias := state.ModelName.ValueString(), state.Alias.ValueString()
	if err := c.DeleteAlias(ctx, name, alias); err != nil && !mlflow.IsNotFound(err) {
		diags.AddAPIError(&resp.Diagnostics, "deleting", modelAliasKind, name+"@"+alias, err)
	}
}

// readInto reads the alias into m; false when the alias (or its model) does
// not exist.
func (r *modelAliasResource) readInto(ctx context.Context, c *mlflow.Client, name, alias string, m *modelAliasModel, d *diagnostics) bool {
	mv, err := c.GetModelVersionByAlias(ctx, name, alias)
	if err != nil {
		if mlflow.IsNotFound(err) {
			return false
		}
		diags.AddAPIError(d, "reading", modelAliasKind, name+"@"+alias, err)
		return false
	}
	m.ID = types.StringValue(name + "@" + alias)
	m.ModelName = types.StringValue(name)
	m.Alias = types.StringValue(alias)
	m.Version = types.StringValue(mv.Version)
	return true
}
