package actions

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/conns"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/diags"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
)

var (
	_ action.Action               = &modelAliasPromoteAction{}
	_ action.ActionWithConfigure  = &modelAliasPromoteAction{}
	_ action.ActionWithModifyPlan = &modelAliasPromoteAction{}
)

// promoteTimeout bounds the promotion's few requests (each retried by the
// MLflow client).
const promoteTimeout = 5 * time.Minute

// statusReady is the status of a version whose registration finished.
const statusReady = "READY"

// NewModelAliasPromoteAction returns the mlops_model_alias_promote action.
func NewModelAliasPromoteAction() action.Action { return &modelAliasPromoteAction{} }

type modelAliasPromoteAction struct{ data *conns.ProviderData }

type modelAliasPromoteModel struct {
	ModelName types.String `tfsdk:"model_name"`
	Alias     types.String `tfsdk:"alias"`
	Version   types.String `tfsdk:"version"`
}

func (a *modelAliasPromoteAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_model_alias_promote"
}

func (a *modelAliasPromoteAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Moves an alias of a registered model (such as `champion`) to a version, creating the alias if it does not exist. " +
			"The version must be `READY`: a version that is still registering, failed to register or does not exist fails the action " +
			"and the alias stays where it was. The alias is read back after the move. Use it for an alias that Terraform does not " +
			"manage as an `mlops_model_alias` (an action keeps no state, so nothing shows drift). Needs Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"model_name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the registered model.",
				Validators:          []validator.String{validate.ModelName()},
			},
			"alias": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The alias, such as `champion`: ASCII letters, digits, `_` and `-`, at most 255 bytes, not `latest` and " +
					"not of the form `v<number>` (MLflow reserves those).",
				Validators: []validator.String{validate.Alias()},
			},
			"version": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The version the alias is to point at, such as `3`. It must be `READY`.",
				Validators:          []validator.String{validate.VersionNumber()},
			},
		},
	}
}

func (a *modelAliasPromoteAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = conns.FromConfigure(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan makes missing MLflow settings an error at plan time. The
// version may be registered in the same apply, so it is not looked up here.
func (a *modelAliasPromoteAction) ModifyPlan(_ context.Context, _ action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.data != nil {
		conns.MLflow(a.data, &resp.Diagnostics)
	}
}

func (a *modelAliasPromoteAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg modelAliasPromoteModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	c := conns.MLflow(a.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, promoteTimeout)
	defer cancel()
	name, alias, version := cfg.ModelName.ValueString(), cfg.Alias.ValueString(), cfg.Version.ValueString()
	id := name + "@" + alias
	const summary = "Error promoting model alias"

	mv, err := c.GetModelVersion(ctx, name, version)
	switch {
	case mlflow.IsNotFound(err):
		resp.Diagnostics.AddAttributeError(path.Root("version"), summary,
			fmt.Sprintf("Version %s of model %q does not exist, so the alias %q was not moved. Check model_name and version.\n\nServer said: %s",
				version, name, alias, err))
		return
	case err != nil:
		diags.AddAPIError(&resp.Diagnostics, "promoting", "model alias", id, fmt.Errorf("reading version %s: %w", version, err))
		return
	case mv.Status != statusReady:
		detail := fmt.Sprintf("Version %s of model %q is %s, not %s, so the alias %q was not moved.", version, name, mv.Status, statusReady, alias)
		if mv.StatusMessage != "" {
			detail += fmt.Sprintf(" MLflow's status message: %s.", mv.StatusMessage)
		}
		if mv.Status == "PENDING_REGISTRATION" {
			detail += " Run the action again once its registration has finished."
		} else {
			detail += " Promote a version that registered, or register the model again."
		}
		resp.Diagnostics.AddAttributeError(path.Root("version"), summary, detail)
		return
	}

	from := ""
	prev, err := c.GetModelVersionByAlias(ctx, name, alias)
	switch {
	case err == nil:
		from = prev.Version
	case !mlflow.IsNotFound(err):
		diags.AddAPIError(&resp.Diagnostics, "promoting", "model alias", id, fmt.Errorf("reading where the alias points: %w", err))
		return
	}
	switch from {
	case "":
		resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Version %s of %s is READY; creating alias %q", version, name, alias)})
	case version:
		resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Version %s of %s is READY; alias %q points at it already", version, name, alias)})
	default:
		resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Version %s of %s is READY; moving alias %q from version %s", version, name, alias, from)})
	}
	if err := c.SetAlias(ctx, name, alias, version); err != nil {
		diags.AddAPIError(&resp.Diagnostics, "promoting", "model alias", id, err)
		return
	}
	now, err := c.GetModelVersionByAlias(ctx, name, alias)
	if err != nil {
		diags.AddAPIError(&resp.Diagnostics, "promoting", "model alias", id, fmt.Errorf("reading the alias back after moving it: %w", err))
		return
	}
	if now.Version != version {
		resp.Diagnostics.AddError(summary,
			fmt.Sprintf("The alias %q of model %q was set to version %s, but reading it back gives version %s: something else moved it "+
				"in the meantime. Check who else manages this alias.", alias, name, version, now.Version))
		return
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Alias %q of %s points at version %s", alias, name, version)})
}
