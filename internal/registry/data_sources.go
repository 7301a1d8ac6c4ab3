package registry

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/diags"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
)

// ---- mlops_registered_model ----

var _ datasource.DataSourceWithConfigure = &registeredModelDataSource{}

// NewRegisteredModelDataSource returns the mlops_registered_model data source.
func NewRegisteredModelDataSource() datasource.DataSource { return &registeredModelDataSource{} }

type registeredModelDataSource struct{ dsBase }

type registeredModelDataModel struct {
	ID                   types.String `tfsdk:"id"`
	Name                 types.String `tfsdk:"name"`
	Description          types.String `tfsdk:"description"`
	Tags                 types.Map    `tfsdk:"tags"`
	Aliases              types.Map    `tfsdk:"aliases"`
	LatestVersion        types.String `tfsdk:"latest_version"`
	CreationTimestamp    types.Int64  `tfsdk:"creation_timestamp"`
	LastUpdatedTimestamp types.Int64  `tfsdk:"last_updated_timestamp"`
}

func (d *registeredModelDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_registered_model"
}

func (d *registeredModelDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a registered model of the MLflow Model Registry, with its aliases and latest version.",
		Attributes: map[string]schema.Attribute{
			"id":   schema.StringAttribute{Computed: true, MarkdownDescription: "The model's name."},
			"name": schema.StringAttribute{Required: true, MarkdownDescription: "Name of the model.", Validators: []validator.String{validate.ModelName()}},
			"description": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Description of the model.",
			},
			"tags": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Every tag of the model, system tags (`mlflow.*`) included.",
			},
			"aliases": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Aliases of the model: alias → version.",
			},
			"latest_version": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The highest version number, whatever its status; empty when the model has no version.",
			},
			"creation_timestamp":     schema.Int64Attribute{Computed: true, MarkdownDescription: "Creation time, in milliseconds since the Unix epoch."},
			"last_updated_timestamp": schema.Int64Attribute{Computed: true, MarkdownDescription: "Last change, in milliseconds since the Unix epoch."},
		},
	}
}

func (d *registeredModelDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m registeredModelDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	c := d.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	name := m.Name.ValueString()
	rm, err := c.GetRegisteredModel(ctx, name)
	if err != nil {
		diags.AddAPIError(&resp.Diagnostics, "reading", registeredModelKind, name, err)
		return
	}
	versions, err := c.SearchModelVersions(ctx, mlflow.ModelFilter(name))
	if err != nil {
		diags.AddAPIError(&resp.Diagnostics, "listing the versions of", registeredModelKind, name, err)
		return
	}
	m.ID = types.StringValue(rm.Name)
	m.Description = types.StringValue(rm.Description)
	m.Tags = tfval.StringMap(mlflow.TagMap(rm.Tags))
	aliases := map[string]string{}
	for _, a := range rm.Aliases {
		aliases[a.Alias] = a.Version
	}
	m.Aliases = tfval.StringMap(aliases)
	latest := ""
	if nums := versionNumbers(versions); len(nums) > 0 {
		latest = nums[len(nums)-1]
	}
	m.LatestVersion = types.StringValue(latest)
	m.CreationTimestamp = types.Int64Value(rm.CreationTimestamp)
	m.LastUpdatedTimestamp = types.Int64Value(rm.LastUpdatedTimestamp)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// ---- mlops_model_version ----

var (
	_ datasource.DataSourceWithConfigure        = &modelVersionDataSource{}
	_ datasource.DataSourceWithConfigValidators = &modelVersionDataSource{}
)

// NewModelVersionDataSource returns the mlops_model_version data source.
func NewModelVersionDataSource() datasource.DataSource { return &modelVersionDataSource{} }

type modelVersionDataSource struct{ dsBase }

type modelVersionDataModel struct {
	ID        types.String `tfsdk:"id"`
	ModelName types.String `tfsdk:"model_name"`
	Version   types.String `tfsdk:"version"`
	Alias     types.String `tfsdk:"alias"`
	versionAttrs
	LastUpdatedTimestamp types.Int64 `tfsdk:"last_updated_timestamp"`
	Metrics              types.Map   `tfsdk:"metrics"`
	Params               types.Map   `tfsdk:"params"`
}

func (d *modelVersionDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_model_version"
}

func (d *modelVersionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one version of a registered model: by `version`, by `alias`, or, with neither, the highest version whose status is `READY`.",
		Attributes: map[string]schema.Attribute{
			"id":         computed("`<model_name>/<version>`."),
			"model_name": schema.StringAttribute{Required: true, MarkdownDescription: "Name of the registered model.", Validators: []validator.String{validate.ModelName()}},
			"version": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Version to read. Conflicts with `alias`. When neither is set, the highest `READY` version is read and its number is reported here.",
				Validators:          []validator.String{validate.VersionNumber()},
			},
			"alias": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Alias to resolve, such as `champion`. Conflicts with `version`.",
				Validators:          []validator.String{validate.Alias()},
			},
			"source":      computed("URI of the version's artifacts as registered."),
			"run_id":      computed("Run that produced the model."),
			"run_link":    computed("Link to the run."),
			"model_id":    computed("MLflow 3 logged-model id the version was made from: as the server reports it, else from a `models:/<model_id>` source."),
			"description": computed("Description."),
			"tags":        schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Every tag of the version, system tags included."},
			"metrics": schema.MapAttribute{
				Computed: true, ElementType: types.Float64Type,
				MarkdownDescription: "Metrics of the version's logged model (`model_id`), else of its run (`run_id`), else empty: " +
					"of each, the value at the highest step (the latest logged at that step). A plan can gate on them with a `precondition`.",
			},
			"params": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Parameters of the version's logged model (`model_id`), else of its run (`run_id`), else empty.",
			},
			"stage":            computed("Legacy stage."),
			"status":           computed("Registration status."),
			"status_message":   computed("MLflow's message about the status."),
			"storage_location": computed("Where the files are, from `model-versions/get-download-uri`."),
			"aliases":          schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Aliases that point at this version."},
			"creation_timestamp": schema.Int64Attribute{
				Computed: true, MarkdownDescription: "Creation time, in milliseconds since the Unix epoch.",
			},
			"last_updated_timestamp": schema.Int64Attribute{
				Computed: true, MarkdownDescription: "Last change, in milliseconds since the Unix epoch.",
			},
		},
	}
}

func (d *modelVersionDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.Conflicting(path.MatchRoot("version"), path.MatchRoot("alias")),
	}
}

func (d *modelVersionDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m modelVersionDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	c := d.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	name := m.ModelName.ValueString()
	mv := findVersion(ctx, c, m, &resp.Diagnostics)
	if mv == nil {
		return
	}
	loc, err := c.GetModelVersionDownloadURI(ctx, name, mv.Version)
	if err != nil {
		diags.AddAPIError(&resp.Diagnostics, "reading the download URI of", modelVersionKind, name+"/"+mv.Version, err)
		return
	}
	m.ID = types.StringValue(name + "/" + mv.Version)
	m.Version = types.StringValue(mv.Version)
	m.Source = types.StringValue(mv.Source)
	m.RunID = types.StringValue(mv.RunID)
	m.RunLink = types.StringValue(mv.RunLink)
	m.ModelID = types.StringValue(mv.LoggedModelID())
	m.Description = types.StringValue(mv.Description)
	m.Tags = tfval.StringMap(mlflow.TagMap(mv.Tags))
	m.Stage = types.StringValue(mv.CurrentStage)
	m.Status = types.StringValue(mv.Status)
	m.StatusMessage = types.StringValue(mv.StatusMessage)
	m.StorageLocation = types.StringValue(loc)
	m.Aliases = stringSet(mv.Aliases)
	m.CreationTimestamp = types.Int64Value(mv.CreationTimestamp)
	m.LastUpdatedTimestamp = types.Int64Value(mv.LastUpdatedTimestamp)
	lineage, err := c.VersionLineage(ctx, *mv)
	switch {
	case mlflow.IsNotFound(err):
		// The logged model or run is gone: the version is still worth reading.
		resp.Diagnostics.AddWarning("Model version's lineage not found",
			fmt.Sprintf("The logged model or run of the model version %q no longer exists: its metrics and params are empty.\n\nServer said: %s", name+"/"+mv.Version, err))
		lineage = mlflow.Lineage{}
	case err != nil:
		diags.AddAPIError(&resp.Diagnostics, "reading the metrics and parameters of", modelVersionKind, name+"/"+mv.Version, err)
		return
	}
	m.Metrics = tfval.Float64Map(lineage.Metrics)
	m.Params = tfval.StringMap(lineage.Params)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// findVersion reads the version m names: by version, by alias, or the
// highest READY one. It adds an error and returns nil when there is none.
func findVersion(ctx context.Context, c *mlflow.Client, m modelVersionDataModel, d *diag.Diagnostics) *mlflow.ModelVersion {
	name := m.ModelName.ValueString()
	switch {
	case tfval.KnownString(m.Version) != "":
		mv, err := c.GetModelVersion(ctx, name, m.Version.ValueString())
		if err != nil {
			diags.AddAPIError(d, "reading", modelVersionKind, name+"/"+m.Version.ValueString(), err)
		}
		return mv
	case tfval.KnownString(m.Alias) != "":
		mv, err := c.GetModelVersionByAlias(ctx, name, m.Alias.ValueString())
		if err != nil {
			diags.AddAPIError(d, "resolving the alias of", modelAliasKind, name+"@"+m.Alias.ValueString(), err)
		}
		return mv
	}
	versions, err := c.SearchModelVersions(ctx, mlflow.ModelFilter(name))
	if err != nil {
		diags.AddAPIError(d, "listing the versions of", registeredModelKind, name, err)
		return nil
	}
	mv := highestReady(versions)
	if mv == nil {
		d.AddError("Error reading model version",
			fmt.Sprintf("The registered model %q has no version whose status is READY. Register one, or name a version or alias.", name))
	}
	return mv
}

// highestReady returns the READY version with the highest number, or nil.
func highestReady(vs []mlflow.ModelVersion) *mlflow.ModelVersion {
	var best *mlflow.ModelVersion
	for i := range vs {
		if vs[i].Status != mlflow.StatusReady {
			continue
		}
		if best == nil || versionLess(best.Version, vs[i].Version) {
			best = &vs[i]
		}
	}
	return best
}

// ---- mlops_model_versions ----

var _ datasource.DataSourceWithConfigure = &modelVersionsDataSource{}

// NewModelVersionsDataSource returns the mlops_model_versions data source.
func NewModelVersionsDataSource() datasource.DataSource { return &modelVersionsDataSource{} }

type modelVersionsDataSource struct{ dsBase }

type modelVersionsDataModel struct {
	ID        types.String `tfsdk:"id"`
	ModelName types.String `tfsdk:"model_name"`
	Filter    types.String `tfsdk:"filter"`
	Versions  types.List   `tfsdk:"versions"`
}

var versionItemType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"version":                types.StringType,
	"source":                 types.StringType,
	"run_id":                 types.StringType,
	"run_link":               types.StringType,
	"model_id":               types.StringType,
	"description":            types.StringType,
	"tags":                   types.MapType{ElemType: types.StringType},
	"stage":                  types.StringType,
	"status":                 types.StringType,
	"status_message":         types.StringType,
	"aliases":                types.SetType{ElemType: types.StringType},
	"creation_timestamp":     types.Int64Type,
	"last_updated_timestamp": types.Int64Type,
}}

func (d *modelVersionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_model_versions"
}

func (d *modelVersionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	item := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the versions of a registered model, highest version first, reading every page of `model-versions/search`.",
		Attributes: map[string]schema.Attribute{
			"id":         schema.StringAttribute{Computed: true, MarkdownDescription: "The model's name, followed by the filter when one is set."},
			"model_name": schema.StringAttribute{Required: true, MarkdownDescription: "Name of the registered model.", Validators: []validator.String{validate.ModelName()}},
			"filter": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "An extra MLflow search filter, joined to the model's with `AND`, such as `run_id = 'abc'` or " +
					"`tags.validated = 'true'`. Clauses are joined by `AND` only.",
			},
			"versions": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The versions, ordered by version number, highest first.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"version":                item("Version number."),
					"source":                 item("URI of the artifacts."),
					"run_id":                 item("Run that produced the model."),
					"run_link":               item("Link to the run."),
					"model_id":               item("MLflow 3 logged-model id: as reported, else from a `models:/<model_id>` source."),
					"description":            item("Description."),
					"tags":                   schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Tags."},
					"stage":                  item("Legacy stage."),
					"status":                 item("Registration status."),
					"status_message":         item("Status message."),
					"aliases":                schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Aliases that point here."},
					"creation_timestamp":     schema.Int64Attribute{Computed: true, MarkdownDescription: "Creation time (ms)."},
					"last_updated_timestamp": schema.Int64Attribute{Computed: true, MarkdownDescription: "Last change (ms)."},
				}},
			},
		},
	}
}

func (d *modelVersionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m modelVersionsDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	c := d.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	name := m.ModelName.ValueString()
	filter := mlflow.ModelFilter(name)
	id := name
	if f := tfval.KnownString(m.Filter); f != "" {
		filter += " AND " + f
		id += "?" + f
	}
	versions, err := c.SearchModelVersions(ctx, filter)
	if err != nil {
		if mlflow.IsInvalidParameter(err) {
			resp.Diagnostics.AddAttributeError(path.Root("filter"), "Error listing model versions",
				fmt.Sprintf("MLflow refused the search filter %q. Filters compare name, version_number, run_id, source_path and tags.<key>, joined by AND.\n\nServer said: %s", filter, err))
			return
		}
		diags.AddAPIError(&resp.Diagnostics, "listing the versions of", registeredModelKind, name, err)
		return
	}
	// Search results carry no aliases: take them from the model.
	rm, err := c.GetRegisteredModel(ctx, name)
	if err != nil {
		diags.AddAPIError(&resp.Diagnostics, "reading", registeredModelKind, name, err)
		return
	}
	aliases := map[string][]string{}
	for _, a := range rm.Aliases {
		aliases[a.Version] = append(aliases[a.Version], a.Alias)
	}
	sort.SliceStable(versions, func(i, j int) bool { return versionLess(versions[j].Version, versions[i].Version) })
	items := make([]attr.Value, 0, len(versions))
	for _, v := range versions {
		obj, dd := types.ObjectValue(versionItemType.AttrTypes, map[string]attr.Value{
			"version":                types.StringValue(v.Version),
			"source":                 types.StringValue(v.Source),
			"run_id":                 types.StringValue(v.RunID),
			"run_link":               types.StringValue(v.RunLink),
			"model_id":               types.StringValue(v.LoggedModelID()),
			"description":            types.StringValue(v.Description),
			"tags":                   tfval.StringMap(mlflow.TagMap(v.Tags)),
			"stage":                  types.StringValue(v.CurrentStage),
			"status":                 types.StringValue(v.Status),
			"status_message":         types.StringValue(v.StatusMessage),
			"aliases":                stringSet(aliases[v.Version]),
			"creation_timestamp":     types.Int64Value(v.CreationTimestamp),
			"last_updated_timestamp": types.Int64Value(v.LastUpdatedTimestamp),
		})
		resp.Diagnostics.Append(dd...)
		items = append(items, obj)
	}
	list, dd := types.ListValue(versionItemType, items)
	resp.Diagnostics.Append(dd...)
	m.ID = types.StringValue(id)
	m.Versions = list
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
