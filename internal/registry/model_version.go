package registry

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
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
	_ resource.Resource                = &modelVersionResource{}
	_ resource.ResourceWithConfigure   = &modelVersionResource{}
	_ resource.ResourceWithImportState = &modelVersionResource{}
	_ resource.ResourceWithIdentity    = &modelVersionResource{}
	_ resource.ResourceWithModifyPlan  = &modelVersionResource{}
)

// NewModelVersionResource returns the mlops_model_version resource.
func NewModelVersionResource() resource.Resource {
	return &modelVersionResource{resourceBase{
		typeName: "_model_version", identity: modelVersionIdentity, imports: modelVersionImport,
	}}
}

type modelVersionResource struct{ resourceBase }

type modelVersionModel struct {
	ID        types.String `tfsdk:"id"`
	ModelName types.String `tfsdk:"model_name"`
	Version   types.String `tfsdk:"version"`
	versionAttrs
	ArchiveExistingVersions types.Bool     `tfsdk:"archive_existing_versions"`
	Timeouts                timeouts.Value `tfsdk:"timeouts"`
}

// modelVersionCodec reads and writes the resource's state (see tfval.Codec).
var modelVersionCodec = tfval.ResourceCodec[modelVersionModel](NewModelVersionResource())

// versionAttrs are the attributes of a version that both the resource and
// the data source mlops_model_version have.
type versionAttrs struct {
	Source            types.String `tfsdk:"source"`
	RunID             types.String `tfsdk:"run_id"`
	RunLink           types.String `tfsdk:"run_link"`
	ModelID           types.String `tfsdk:"model_id"`
	Description       types.String `tfsdk:"description"`
	Tags              types.Map    `tfsdk:"tags"`
	Stage             types.String `tfsdk:"stage"`
	Status            types.String `tfsdk:"status"`
	StatusMessage     types.String `tfsdk:"status_message"`
	StorageLocation   types.String `tfsdk:"storage_location"`
	Aliases           types.Set    `tfsdk:"aliases"`
	CreationTimestamp types.Int64  `tfsdk:"creation_timestamp"`
}

const (
	modelVersionKind          = "model version"
	defaultVersionReadyWait   = 10 * time.Minute
	versionPollInitialBackoff = 250 * time.Millisecond
	versionPollMaxBackoff     = 5 * time.Second
)

// modelVersionIdentity is the resource's identity: `import { identity = {...} }`
// (Terraform 1.12+, OpenTofu 1.12+) imports by it.
var modelVersionIdentity = tfval.Identity([]tfval.IdentityAttr{{Name: "model_name", Description: "Name of the registered model."}, {Name: "version", Description: "The version number, such as `3`."}})

func (r *modelVersionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	replaceKeep := []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A version of a registered model: a trained artifact registered under the model's name. " +
			"Create waits until MLflow reports the version `READY` (within `timeouts.create`, default 10m).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`<model_name>/<version>`.",
				PlanModifiers:       keep,
			},
			"model_name": modelNameAttribute("the version"),
			"source": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "URI of the model's artifacts: `runs:/<run_id>/<path>`, `models:/<model_id>`, `mlflow-artifacts:/…`, `s3://…`, `gs://…`, `file://…`. " +
					"For a `runs:/` source the run id is taken from the URI when `run_id` is not set. Changing it replaces the version.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{validate.ByProblem("Invalid model version source",
					"must be a URI with a scheme, such as runs:/<run_id>/model", validate.VersionSourceProblem)},
			},
			"run_id": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "MLflow run that produced the model. Computed by MLflow from the source when not set. Changing it replaces the version.",
				PlanModifiers:       replaceKeep,
			},
			"run_link": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Link to the run, when it lives on another tracking server. Changing it replaces the version.",
				PlanModifiers:       replaceKeep,
			},
			"model_id": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "MLflow 3 logged-model id (`m-…`) the version is made from. Taken from a `models:/<model_id>` source when not set. Changing it replaces the version.",
				PlanModifiers:       replaceKeep,
			},
			"description": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Description of the version. Updated in place.",
			},
			"tags": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Tags of the version, updated in place. Authoritative for every key that does not start with `mlflow.`; " +
					"system tags are ignored.",
				Validators: []validator.Map{validate.TagKeys()},
			},
			"stage": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Legacy stage: one of `None`, `Staging`, `Production`, `Archived` (deprecated by MLflow in favour of aliases). " +
					"Changed in place through transition-stage. When not set, the stage is left as it is and reported.",
				Validators:    []validator.String{stringvalidator.OneOf(mlflow.Stages...)},
				PlanModifiers: keep,
			},
			"archive_existing_versions": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "With `stage` set to `Staging` or `Production`: move the versions that are in that stage now to `Archived`. " +
					"Default `false`.",
			},
			"version": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The version number MLflow assigned, such as `3`.",
				PlanModifiers:       keep,
			},
			"status": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Registration status: `READY`, `PENDING_REGISTRATION` or `FAILED_REGISTRATION`.",
				PlanModifiers:       keep,
			},
			"status_message": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "MLflow's message about the status, if any.",
				PlanModifiers:       keep,
			},
			"storage_location": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Where the version's files are, from `model-versions/get-download-uri`.",
				PlanModifiers:       keep,
			},
			"aliases": schema.SetAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Aliases that point at this version now.",
				PlanModifiers:       []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
			},
			"creation_timestamp": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "When the version was created, in milliseconds since the Unix epoch.",
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *modelVersionResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.checkClientAtPlan(req, resp)
}

func (r *modelVersionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer func() { resp.Diagnostics.Append(modelVersionIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	plan, ctx, cancel, c, ok := begin(ctx, &r.base, req.Plan.Get, func(m *modelVersionModel) conns.Timeout { return m.Timeouts.Create }, defaultVersionReadyWait, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	in := versionCreateInput(ctx, plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	mv, recovered, err := c.CreateModelVersionChecked(ctx, in)
	importID := func(version string) string { return in.Name + "/" + version }
	if !diags.AddCreateOutcome(&resp.Diagnostics, modelVersionKind, in.Name+" from "+in.Source, recovered, err, importID) {
		return
	}
	r.finishCreate(ctx, c, mv, in, &plan, resp)
}

func (r *modelVersionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(modelVersionIdentity.FromRead(ctx, req, resp)...) }()
	state, ctx, cancel, c, ok := begin(ctx, &r.base, modelVersionCodec().Getter(req.State.Raw), func(m *modelVersionModel) conns.Timeout { return m.Timeouts.Read }, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	prior := state

	name, version := state.ModelName.ValueString(), state.Version.ValueString()
	if !r.readInto(ctx, c, name, version, &state, &resp.Diagnostics) {
		if !resp.Diagnostics.HasError() {
			diags.AddNotFoundWarning(&resp.Diagnostics, modelVersionKind, name+"/"+version)
			resp.State.RemoveResource(ctx)
		}
		return
	}
	// resp.State holds the prior state: written only when the read changed it.
	resp.Diagnostics.Append(modelVersionCodec().Update(ctx, &prior, &state, &resp.State.Raw)...)
}

func (r *modelVersionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer func() { resp.Diagnostics.Append(modelVersionIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	var state modelVersionModel
	plan, ctx, cancel, c, ok := begin(ctx, &r.base, req.Plan.Get, func(m *modelVersionModel) conns.Timeout { return m.Timeouts.Update }, defaultTimeout, &resp.Diagnostics,
		read{req.State.Get, &state})
	defer cancel()
	if !ok {
		return
	}

	name, version := state.ModelName.ValueString(), state.Version.ValueString()
	id := name + "/" + version
	live, err := c.GetModelVersion(ctx, name, version)
	if err != nil {
		diags.AddAPIError(&resp.Diagnostics, "reading", modelVersionKind, id, err)
		return
	}
	if want := plan.Description.ValueString(); want != live.Description {
		if err := c.UpdateModelVersion(ctx, name, version, want); err != nil {
			diags.AddAPIError(&resp.Diagnostics, "updating the description of", modelVersionKind, id, err)
			return
		}
	}
	set, del := tagChanges(mlflow.TagMap(live.Tags), tfval.StringMapOf(ctx, plan.Tags, &resp.Diagnostics))
	for _, k := range tfval.SortedKeys(set) {
		if err := c.SetModelVersionTag(ctx, name, version, k, set[k]); err != nil {
			diags.AddAPIError(&resp.Diagnostics, fmt.Sprintf("setting tag %q on", k), modelVersionKind, id, err)
			return
		}
	}
	for _, k := range del {
		if err := c.DeleteModelVersionTag(ctx, name, version, k); err != nil && !mlflow.IsNotFound(err) {
			diags.AddAPIError(&resp.Diagnostics, fmt.Sprintf("deleting tag %q of", k), modelVersionKind, id, err)
			return
		}
	}
	if stage := tfval.KnownString(plan.Stage); stage != "" && stage != live.CurrentStage {
		if _, err := c.TransitionModelVersionStage(ctx, name, version, stage, plan.ArchiveExistingVersions.ValueBool()); err != nil {
			diags.AddAPIError(&resp.Diagnostics, "moving to stage "+stage+" the", modelVersionKind, id, err)
			return
		}
	}
	plannedAliases := plan.Aliases
	if !r.readInto(ctx, c, name, version, &plan, &resp.Diagnostics) && !resp.Diagnostics.HasError() {
		resp.Diagnostics.AddError("Error updating model version", fmt.Sprintf("The model version %q vanished during the update.", id))
	}
	if resp.Diagnostics.HasError() {
		return
	}
	// Aliases are moved by other resources, possibly in this same apply: keep
	// the planned value, and let the next refresh report the new one.
	if !plannedAliases.IsUnknown() {
		plan.Aliases = plannedAliases
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *modelVersionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel, c, ok := begin(ctx, &r.base, req.State.Get, func(m *modelVersionModel) conns.Timeout { return m.Timeouts.Delete }, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	name, version := state.ModelName.ValueString(), state.Version.ValueString()
	if err := c.DeleteModelVersion(ctx, name, version); err != nil && !mlflow.IsNotFound(err) {
		diags.AddAPIError(&resp.Diagnostics, "deleting", modelVersionKind, name+"/"+version, err)
	}
}

// readInto reads the version and its download URI into m. It returns false
// when the version does not exist.
func (r *modelVersionResource) readInto(ctx context.Context, c *mlflow.Client, name, version string, m *modelVersionModel, d *diagnostics) bool {
	found, action, err := r.read(ctx, c, name, version, m)
	if err != nil {
		diags.AddAPIError(d, action, modelVersionKind, name+"/"+version, err)
	}
	return found
}

// read reads the version and its download URI into m. It returns whether
// the version exists, and on failure what failed and why.
func (r *modelVersionResource) read(ctx context.Context, c *mlflow.Client, name, version string, m *modelVersionModel) (found bool, action string, err error) {
	mv, err := c.GetModelVersion(ctx, name, version)
	if err != nil {
		if mlflow.IsNotFound(err) {
			return false, "", nil
		}
		return false, "reading", err
	}
	loc, err := storageLocation(ctx, c, mv, m)
	if err != nil {
		return false, "reading the download URI of", err
	}
	r.flatten(mv, loc, m)
	return true, "", nil
}

// storageLocation returns where the version's files are. MLflow works it
// out from the version's source when the version is created, stores it and
// never changes it (nor the source), so a read that finds the version m
// records (the same source and creation time) keeps m's location instead of
// asking again: a refresh is one GET.
func storageLocation(ctx context.Context, c *mlflow.Client, mv *mlflow.ModelVersion, m *modelVersionModel) (string, error) {
	if loc := m.StorageLocation.ValueString(); loc != "" && m.Source.ValueString() == mv.Source &&
		m.CreationTimestamp.ValueInt64() == mv.CreationTimestamp {
		return loc, nil
	}
	loc, err := c.GetModelVersionDownloadURI(ctx, mv.Name, mv.Version)
	if mlflow.IsNotFound(err) {
		return "", nil
	}
	return loc, err
}

// flatten copies the API's version into m. Values the API does not echo
// (model_id on some servers) keep what m had.
func (r *modelVersionResource) flatten(mv *mlflow.ModelVersion, storageLocation string, m *modelVersionModel) {
	m.ID = types.StringValue(mv.Name + "/" + mv.Version)
	m.ModelName = types.StringValue(mv.Name)
	m.Version = types.StringValue(mv.Version)
	if mv.Source != "" {
		m.Source = types.StringValue(mv.Source)
	}
	m.RunID = types.StringValue(mv.RunID)
	if mv.RunID == "" {
		m.RunID = types.StringNull()
	}
	m.RunLink = types.StringValue(mv.RunLink)
	if mv.RunLink == "" {
		m.RunLink = types.StringNull()
	}
	switch {
	case mv.ModelID != "":
		m.ModelID = types.StringValue(mv.ModelID)
	case mlflow.ModelIDOfSource(mv.Source) != "" && (m.ModelID.IsNull() || m.ModelID.IsUnknown()):
		// MLflow does not echo model_id, but a version made from a logged
		// model has the source models:/<model_id>: an import reads it from
		// there, so a configuration that sets model_id does not replace it.
		m.ModelID = types.StringValue(mlflow.ModelIDOfSource(mv.Source))
	case m.ModelID.IsUnknown():
		m.ModelID = types.StringNull()
	}
	m.Description = optionalString(mv.Description, m.Description)
	m.Tags = tfval.MapOrNull(userTags(mv.Tags), m.Tags)
	m.Stage = types.StringValue(mv.CurrentStage)
	if m.ArchiveExistingVersions.IsNull() || m.ArchiveExistingVersions.IsUnknown() {
		m.ArchiveExistingVersions = types.BoolValue(false)
	}
	m.Status = types.StringValue(mv.Status)
	m.StatusMessage = types.StringValue(mv.StatusMessage)
	if storageLocation != "" || m.StorageLocation.IsUnknown() || m.StorageLocation.IsNull() {
		m.StorageLocation = types.StringValue(storageLocation)
	}
	m.Aliases = stringSet(mv.Aliases)
	m.CreationTimestamp = types.Int64Value(mv.CreationTimestamp)
}

// runIDFromSource returns the run id of a runs:/<run_id>/<path> URI.
func runIDFromSource(source string) string {
	rest, ok := strings.CutPrefix(source, "runs:/")
	if !ok {
		return ""
	}
	rest = strings.TrimLeft(rest, "/")
	id, _, _ := strings.Cut(rest, "/")
	return id
}

func isVersionNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			return false
		}
	}
	return s[0] != '0'
}

func stringSet(ss []string) types.Set {
	elems := make([]attr.Value, 0, len(ss))
	for _, s := range ss {
		elems = append(elems, types.StringValue(s))
	}
	return types.SetValueMust(types.StringType, elems)
}
