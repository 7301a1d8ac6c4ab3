package registry

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/diags"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

// ---- mlops_logged_model ----

var (
	_ datasource.DataSourceWithConfigure      = &loggedModelDataSource{}
	_ datasource.DataSourceWithValidateConfig = &loggedModelDataSource{}
)

const loggedModelKind = "logged model"

// NewLoggedModelDataSource returns the mlops_logged_model data source.
func NewLoggedModelDataSource() datasource.DataSource { return &loggedModelDataSource{} }

type loggedModelDataSource struct{ dsBase }

type loggedModelDataModel struct {
	ID           types.String `tfsdk:"id"`
	ModelID      types.String `tfsdk:"model_id"`
	Experiment   types.String `tfsdk:"experiment"`
	Name         types.String `tfsdk:"name"`
	Source       types.String `tfsdk:"source"`
	RunID        types.String `tfsdk:"run_id"`
	ExperimentID types.String `tfsdk:"experiment_id"`
	ArtifactURI  types.String `tfsdk:"artifact_uri"`
	Status       types.String `tfsdk:"status"`
	Metrics      types.Map    `tfsdk:"metrics"`
	Params       types.Map    `tfsdk:"params"`
	Tags         types.Map    `tfsdk:"tags"`
}

func (d *loggedModelDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_logged_model"
}

func (d *loggedModelDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	notEmpty := []validator.String{stringvalidator.LengthAtLeast(1)}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads an MLflow 3 logged model (a model logged with `mlflow.<flavor>.log_model`), with the metrics and parameters " +
			"it was logged with: by `model_id`, or by `experiment` and `name` (the newest logged model of that name). " +
			"Its `source` registers it as a version: `mlops_model_version`'s `source`.",
		Attributes: map[string]schema.Attribute{
			"id": computed("The logged model's id, as `model_id`."),
			"model_id": schema.StringAttribute{
				Optional: true, Computed: true, Validators: notEmpty,
				MarkdownDescription: "The logged model's id (`m-…`), as `mlflow.<flavor>.log_model` returns it (`model_info.model_id`). " +
					"Set it, or `experiment` and `name`, not both; when looked up by name, the id found.",
			},
			"experiment": schema.StringAttribute{
				Optional: true, Validators: notEmpty,
				MarkdownDescription: "Name of the experiment to search, with `name`. Conflicts with `model_id`.",
			},
			"name": schema.StringAttribute{
				Optional: true, Computed: true, Validators: notEmpty,
				MarkdownDescription: "Name the model was logged under (`log_model(name=...)`): with `experiment`, the newest logged model of that name " +
					"in the experiment is read. Conflicts with `model_id`; when looked up by id, the model's name.",
			},
			"source":        computed("`models:/<model_id>`: the URI a model version registered from this logged model takes as its `source`."),
			"run_id":        computed("The run the model was logged in; empty when it was logged outside a run."),
			"experiment_id": computed("The experiment's id."),
			"artifact_uri":  computed("Where the model's files are."),
			"status":        computed("MLflow's status of the logged model, such as `LOGGED_MODEL_READY`."),
			"metrics": schema.MapAttribute{
				Computed: true, ElementType: types.Float64Type,
				MarkdownDescription: "The model's metrics: those of the run it was logged in and those logged with its `model_id`; " +
					"of each, the value at the highest step (the latest logged at that step).",
			},
			"params": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The model's parameters: those of its run and those given to `log_model(params=...)`.",
			},
			"tags": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Every tag of the logged model, MLflow's own (`mlflow.*`, such as `mlflow.modelVersions` once it is registered) included.",
			},
		},
	}
}

// ValidateConfig refuses any combination but model_id alone, or experiment
// and name together. A value unknown at plan counts as set.
func (d *loggedModelDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m loggedModelDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	hasID, hasExp, hasName := !m.ModelID.IsNull(), !m.Experiment.IsNull(), !m.Name.IsNull()
	if (hasID && !hasExp && !hasName) || (!hasID && hasExp && hasName) {
		return
	}
	var set []string
	for _, a := range []struct {
		name string
		set  bool
	}{{"model_id", hasID}, {"experiment", hasExp}, {"name", hasName}} {
		if a.set {
			set = append(set, a.name)
		}
	}
	got := "none of them is set"
	if len(set) > 0 {
		got = "set here: " + strings.Join(set, ", ")
	}
	resp.Diagnostics.AddError("Invalid Attribute Combination",
		"mlops_logged_model reads a logged model either by model_id, or by experiment and name together (the newest logged model of that name): "+
			"set exactly one of the two ways ("+got+").")
}

func (d *loggedModelDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m loggedModelDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	c := d.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var lm *mlflow.LoggedModel
	var err error
	var lookedFor, id string
	if modelID := tfval.KnownString(m.ModelID); modelID != "" {
		lm, err = c.GetLoggedModel(ctx, modelID)
		lookedFor, id = fmt.Sprintf("No logged model has the model_id %q on this tracking server.", modelID), modelID
	} else {
		exp, name := m.Experiment.ValueString(), m.Name.ValueString()
		lm, err = c.NewestLoggedModel(ctx, exp, name)
		lookedFor = fmt.Sprintf("No logged model named %q was found in the experiment %q on this tracking server: check both names.", name, exp)
		id = exp + "/" + name
	}
	switch {
	case mlflow.IsNotFound(err):
		resp.Diagnostics.AddError("Error reading logged model",
			lookedFor+"\n\nServer said: "+err.Error())
		return
	case err != nil:
		diags.AddAPIError(&resp.Diagnostics, "reading", loggedModelKind, id, err)
		return
	}
	lineage := lm.Lineage()
	m.ID = types.StringValue(lm.Info.ModelID)
	m.ModelID = types.StringValue(lm.Info.ModelID)
	m.Name = types.StringValue(lm.Info.Name)
	m.Source = types.StringValue(lm.Source())
	m.RunID = types.StringValue(lm.Info.SourceRunID)
	m.ExperimentID = types.StringValue(lm.Info.ExperimentID)
	m.ArtifactURI = types.StringValue(lm.Info.ArtifactURI)
	m.Status = types.StringValue(lm.Info.Status)
	m.Metrics = tfval.Float64Map(lineage.Metrics)
	m.Params = tfval.StringMap(lineage.Params)
	m.Tags = tfval.StringMap(mlflow.TagMap(lm.Info.Tags))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
