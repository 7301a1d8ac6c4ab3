package registry

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/conns"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/diags"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
)

var (
	_ resource.Resource                = &registeredModelResource{}
	_ resource.ResourceWithConfigure   = &registeredModelResource{}
	_ resource.ResourceWithImportState = &registeredModelResource{}
	_ resource.ResourceWithIdentity    = &registeredModelResource{}
	_ resource.ResourceWithModifyPlan  = &registeredModelResource{}
)

// NewRegisteredModelResource returns the mlops_registered_model resource.
func NewRegisteredModelResource() resource.Resource {
	return &registeredModelResource{resourceBase{
		typeName: "_registered_model", identity: registeredModelIdentity, imports: registeredModelImport,
		// A rename (registered-models/rename) changes the name, and so the identity.
		mutableIdentity: true,
	}}
}

type registeredModelResource struct{ resourceBase }

type registeredModelModel struct {
	ID                   types.String   `tfsdk:"id"`
	Name                 types.String   `tfsdk:"name"`
	Description          types.String   `tfsdk:"description"`
	Tags                 types.Map      `tfsdk:"tags"`
	ForceDestroy         types.Bool     `tfsdk:"force_destroy"`
	CreationTimestamp    types.Int64    `tfsdk:"creation_timestamp"`
	LastUpdatedTimestamp types.Int64    `tfsdk:"last_updated_timestamp"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
}

// registeredModelCodec reads and writes the resource's state (see tfval.Codec).
var registeredModelCodec = tfval.ResourceCodec[registeredModelModel](NewRegisteredModelResource())

const registeredModelKind = "registered model"

// registeredModelIdentity is the resource's identity: `import { identity = {...} }`
// (Terraform 1.12+, OpenTofu 1.12+) imports by it.
var registeredModelIdentity = tfval.Identity([]tfval.IdentityAttr{{Name: "name", Description: "The model's name."}})

func (r *registeredModelResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A registered model in the MLflow Model Registry: the named container of model versions and aliases.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The model's name.",
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Name of the model, unique on the server. Renaming is an in-place update " +
					"(`registered-models/rename`): versions and aliases move with the model. MLflow refuses `/` and `:` in names.",
				Validators: []validator.String{validate.ModelName()},
			},
			"description": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Description of the model (Markdown).",
			},
			"tags": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Tags of the model. Authoritative for every key that does not start with `mlflow.`: " +
					"tags added outside Terraform show as a diff and are removed on apply. System tags (`mlflow.*`) are ignored.",
				Validators: []validator.Map{validate.TagKeys()},
			},
			"force_destroy": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "When `false` (the default), destroying the model is refused while it still has versions, and the error lists them. " +
					"When `true`, the model and every version are deleted.",
			},
			"creation_timestamp": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "When the model was created, in milliseconds since the Unix epoch.",
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"last_updated_timestamp": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "When the model was last changed, in milliseconds since the Unix epoch.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *registeredModelResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.checkClientAtPlan(req, resp)
	if req.Plan.Raw.IsNull() {
		return
	}
	// The id is the name: known at plan time whenever the name is. A no-op
	// plan has it already, and writes nothing.
	var name, id types.String
	codec := registeredModelCodec()
	resp.Diagnostics.Append(codec.GetAttribute(ctx, req.Plan.Raw, "name", &name)...)
	resp.Diagnostics.Append(codec.GetAttribute(ctx, req.Plan.Raw, "id", &id)...)
	if !name.IsUnknown() && !id.Equal(name) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), name)...)
	}
}

func (r *registeredModelResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer func() { resp.Diagnostics.Append(registeredModelIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	plan, ctx, cancel, c, ok := begin(ctx, &r.base, req.Plan.Get, func(m *registeredModelModel) conns.Timeout { return m.Timeouts.Create }, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	name := plan.Name.ValueString()
	tags := tfval.StringMapOf(ctx, plan.Tags, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	created, recovered, err := c.CreateRegisteredModelChecked(ctx, mlflow.CreateRegisteredModelInput{
		Name:        name,
		Description: plan.Description.ValueString(),
		Tags:        mlflow.TagList(tags),
	})
	if mlflow.IsAlreadyExists(err) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Error creating registered model",
			fmt.Sprintf("A registered model named %q exists already. Import it with `terraform import <address> %s`, or choose another name.\n\nServer said: %s", name, name, err))
		return
	}
	if !diags.AddCreateOutcome(&resp.Diagnostics, registeredModelKind, name, recovered, err, func(n string) string { return n }) {
		return
	}
	// Read it back (the create's answer lacks what MLflow adds). The model
	// exists whatever happens now: a read back that fails because MLflow
	// cannot be reached records the create's answer and warns, rather than
	// failing the create, which would make Terraform taint the model and
	// replace it on the next apply.
	rm, err := c.GetRegisteredModel(ctx, name)
	switch {
	case err == nil:
		fillRegisteredModel(rm, &plan)
	case diags.Unconfirmed(err):
		fillRegisteredModel(created, &plan)
		diags.AddCreatedUnconfirmed(&resp.Diagnostics, "Registered model created, not read back", registeredModelKind, fmt.Sprintf("%q", name),
			"reading it back (the state holds MLflow's answer to the create)", err, "The next refresh reads it.")
	default:
		fillRegisteredModel(created, &plan)
		diags.AddAPIError(&resp.Diagnostics, "reading back the created", registeredModelKind, name, err)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *registeredModelResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(registeredModelIdentity.FromRead(ctx, req, resp)...) }()
	state, ctx, cancel, c, ok := begin(ctx, &r.base, registeredModelCodec().Getter(req.State.Raw), func(m *registeredModelModel) conns.Timeout { return m.Timeouts.Read }, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	prior := state

	name := state.Name.ValueString()
	if name == "" {
		name = state.ID.ValueString()
	}
	found := r.readInto(ctx, c, name, &state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !found {
		diags.AddNotFoundWarning(&resp.Diagnostics, registeredModelKind, name)
		resp.State.RemoveResource(ctx)
		return
	}
	// resp.State holds the prior state: written only when the read changed it.
	resp.Diagnostics.Append(registeredModelCodec().Update(ctx, &prior, &state, &resp.State.Raw)...)
}

func (r *registeredModelResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer func() { resp.Diagnostics.Append(registeredModelIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	var state registeredModelModel
	plan, ctx, cancel, c, ok := begin(ctx, &r.base, req.Plan.Get, func(m *registeredModelModel) conns.Timeout { return m.Timeouts.Update }, defaultTimeout, &resp.Diagnostics,
		read{req.State.Get, &state})
	defer cancel()
	if !ok {
		return
	}

	name := state.Name.ValueString()
	if newName := plan.Name.ValueString(); newName != name {
		if _, err := c.RenameRegisteredModel(ctx, name, newName); err != nil {
			diags.AddAPIError(&resp.Diagnostics, "renaming", registeredModelKind, name, err)
			return
		}
		name = newName
	}
	// Compare with the live object rather than the state, so that a change
	// made outside Terraform is undone too.
	live, err := c.GetRegisteredModel(ctx, name)
	if err != nil {
		diags.AddAPIError(&resp.Diagnostics, "reading", registeredModelKind, name, err)
		return
	}
	if want := plan.Description.ValueString(); want != live.Description {
		if err := c.UpdateRegisteredModel(ctx, name, want); err != nil {
			diags.AddAPIError(&resp.Diagnostics, "updating the description of", registeredModelKind, name, err)
			return
		}
	}
	set, del := tagChanges(mlflow.TagMap(live.Tags), tfval.StringMapOf(ctx, plan.Tags, &resp.Diagnostics))
	for _, k := range tfval.SortedKeys(set) {
		if err := c.SetRegisteredModelTag(ctx, name, k, set[k]); err != nil {
			diags.AddAPIError(&resp.Diagnostics, fmt.Sprintf("setting tag %q on", k), registeredModelKind, name, err)
			return
		}
	}
	for _, k := range del {
		if err := c.DeleteRegisteredModelTag(ctx, name, k); err != nil && !mlflow.IsNotFound(err) {
			diags.AddAPIError(&resp.Diagnostics, fmt.Sprintf("deleting tag %q of", k), registeredModelKind, name, err)
			return
		}
	}
	if !r.readInto(ctx, c, name, &plan, &resp.Diagnostics) && !resp.Diagnostics.HasError() {
		resp.Diagnostics.AddError("Error updating registered model", fmt.Sprintf("The registered model %q vanished during the update.", name))
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *registeredModelResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel, c, ok := begin(ctx, &r.base, req.State.Get, func(m *registeredModelModel) conns.Timeout { return m.Timeouts.Delete }, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	name := state.Name.ValueString()
	versions, err := c.SearchModelVersions(ctx, mlflow.ModelFilter(name))
	if err != nil {
		diags.AddAPIError(&resp.Diagnostics, "listing the versions of", registeredModelKind, name, err)
		return
	}
	numbers := versionNumbers(versions)
	if len(numbers) > 0 && !state.ForceDestroy.ValueBool() {
		resp.Diagnostics.AddError("Error deleting registered model",
			fmt.Sprintf("The registered model %q still has %d version(s): %s. Nothing was deleted.\n\n"+
				"Delete those versions first (remove their mlops_model_version resources), or set force_destroy = true "+
				"and apply before destroying, to delete the model together with every version.",
				name, len(numbers), strings.Join(numbers, ", ")))
		return
	}
	for _, v := range numbers {
		if err := c.DeleteModelVersion(ctx, name, v); err != nil && !mlflow.IsNotFound(err) {
			diags.AddAPIError(&resp.Diagnostics, "deleting version "+v+" of", registeredModelKind, name, err)
			return
		}
	}
	if err := c.DeleteRegisteredModel(ctx, name); err != nil && !mlflow.IsNotFound(err) {
		diags.AddAPIError(&resp.Diagnostics, "deleting", registeredModelKind, name, err)
	}
}

// readInto reads the model into m. It returns false when the model does not exist.
func (r *registeredModelResource) readInto(ctx context.Context, c *mlflow.Client, name string, m *registeredModelModel, d *diagnostics) bool {
	rm, err := c.GetRegisteredModel(ctx, name)
	if err != nil {
		if mlflow.IsNotFound(err) {
			return false
		}
		diags.AddAPIError(d, "reading", registeredModelKind, name, err)
		return false
	}
	fillRegisteredModel(rm, m)
	return true
}

// fillRegisteredModel copies the API's model into m.
func fillRegisteredModel(rm *mlflow.RegisteredModel, m *registeredModelModel) {
	m.ID = types.StringValue(rm.Name)
	m.Name = types.StringValue(rm.Name)
	m.Description = optionalString(rm.Description, m.Description)
	m.Tags = tfval.MapOrNull(userTags(rm.Tags), m.Tags)
	m.CreationTimestamp = types.Int64Value(rm.CreationTimestamp)
	m.LastUpdatedTimestamp = types.Int64Value(rm.LastUpdatedTimestamp)
	if m.ForceDestroy.IsNull() || m.ForceDestroy.IsUnknown() {
		m.ForceDestroy = types.BoolValue(false)
	}
}
