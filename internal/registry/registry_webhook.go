package registry

import (
	"context"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
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
	_ resource.Resource                     = &registryWebhookResource{}
	_ resource.ResourceWithConfigure        = &registryWebhookResource{}
	_ resource.ResourceWithImportState      = &registryWebhookResource{}
	_ resource.ResourceWithIdentity         = &registryWebhookResource{}
	_ resource.ResourceWithModifyPlan       = &registryWebhookResource{}
	_ resource.ResourceWithConfigValidators = &registryWebhookResource{}
)

// NewRegistryWebhookResource returns the mlops_registry_webhook resource.
func NewRegistryWebhookResource() resource.Resource {
	return &registryWebhookResource{resourceBase{
		typeName: "_registry_webhook", identity: registryWebhookIdentity, imports: registryWebhookImport,
	}}
}

type registryWebhookResource struct{ resourceBase }

type registryWebhookModel struct {
	ID                   types.String   `tfsdk:"id"`
	Name                 types.String   `tfsdk:"name"`
	Description          types.String   `tfsdk:"description"`
	URL                  types.String   `tfsdk:"url"`
	Events               types.Set      `tfsdk:"events"`
	Status               types.String   `tfsdk:"status"`
	Secret               types.String   `tfsdk:"secret"`
	SecretWO             types.String   `tfsdk:"secret_wo"`
	SecretWOVersion      types.Int64    `tfsdk:"secret_wo_version"`
	CreationTimestamp    types.Int64    `tfsdk:"creation_timestamp"`
	LastUpdatedTimestamp types.Int64    `tfsdk:"last_updated_timestamp"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
}

// registryWebhookCodec reads and writes the resource's state (see tfval.Codec).
var registryWebhookCodec = tfval.ResourceCodec[registryWebhookModel](NewRegistryWebhookResource())

const registryWebhookKind = "registry webhook"

// registryWebhookIdentity is the resource's identity: `import { identity = {...} }`
// (Terraform 1.12+, OpenTofu 1.12+) imports by it.
var registryWebhookIdentity = tfval.Identity([]tfval.IdentityAttr{{Name: "id", Description: "MLflow's webhook id."}})

func (r *registryWebhookResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A webhook of the MLflow Model Registry (MLflow 3.3+): MLflow sends a signed POST to `url` for each event it subscribes to, " +
			"such as a new model version or an alias set. With a pipeline's `event_path` as the URL, a registry event starts a pipeline run. " +
			"Webhooks need MLflow's SQL store. MLflow caches its webhooks for `MLFLOW_WEBHOOK_CACHE_TTL` seconds (60 by default), so a new or " +
			"changed webhook takes effect within that time.\n\n" +
			"MLflow signs each delivery: the header `X-MLflow-Signature` is `v1,` followed by the base64 HMAC-SHA256, keyed with the secret, of " +
			"`<X-MLflow-Delivery-Id>.<X-MLflow-Timestamp>.<body>`. A receiver recomputes it from those two headers and the raw body, compares " +
			"in constant time, and refuses old timestamps.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "MLflow's webhook id.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: "Name of the webhook.",
				Validators: []validator.String{validate.NotBlank()},
			},
			"description": schema.StringAttribute{Optional: true, MarkdownDescription: "Description."},
			"url": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Where MLflow delivers the events: an `https://` URL (MLflow allows `http://` and private addresses only when its " +
					"`MLFLOW_WEBHOOK_ALLOWED_SCHEMES` and `MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS` say so).",
				Validators: []validator.String{validate.HTTPURL()},
			},
			"events": schema.SetAttribute{
				Required: true, ElementType: types.StringType,
				MarkdownDescription: "Events to deliver, as `entity.action`: " + "`" + strings.Join(mlflow.WebhookEvents, "`, `") + "`.",
				Validators:          []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(stringvalidator.OneOf(mlflow.WebhookEvents...))},
			},
			"status": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(mlflow.WebhookActive),
				MarkdownDescription: "`ACTIVE` (default) or `DISABLED`.",
				Validators:          []validator.String{stringvalidator.OneOf(mlflow.WebhookActive, mlflow.WebhookDisabled)},
			},
			"secret": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "Key of the deliveries' signature. It is kept in the state (marked sensitive): with Terraform or OpenTofu 1.11 " +
					"and later, prefer `secret_wo`. MLflow never returns it, so a secret changed outside Terraform is not seen. Conflicts with `secret_wo`.",
			},
			"secret_wo": schema.StringAttribute{
				Optional: true, Sensitive: true, WriteOnly: true,
				MarkdownDescription: "Key of the deliveries' signature, write-only (Terraform and OpenTofu 1.11+): never stored in the plan or the state. " +
					"It is sent when the webhook is created and whenever `secret_wo_version` changes.",
			},
			"secret_wo_version": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Change it to send `secret_wo` again (a write-only value leaves no trace to compare).",
				Validators:          []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("secret_wo"))},
			},
			"creation_timestamp": schema.Int64Attribute{
				Computed: true, MarkdownDescription: "Creation time, in milliseconds since the epoch.",
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"last_updated_timestamp": schema.Int64Attribute{Computed: true, MarkdownDescription: "Last update, in milliseconds since the epoch."},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *registryWebhookResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.Conflicting(path.MatchRoot("secret"), path.MatchRoot("secret_wo")),
	}
}

func (r *registryWebhookResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.checkClientAtPlan(req, resp)
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	var plan, state registryWebhookModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Any change updates last_updated_timestamp.
	if !plan.Name.Equal(state.Name) || !plan.Description.Equal(state.Description) || !plan.URL.Equal(state.URL) || !plan.Events.Equal(state.Events) ||
		!plan.Status.Equal(state.Status) || !plan.Secret.Equal(state.Secret) || !plan.SecretWOVersion.Equal(state.SecretWOVersion) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("last_updated_timestamp"), types.Int64Unknown())...)
	} else {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("last_updated_timestamp"), state.LastUpdatedTimestamp)...)
	}
}

func (r *registryWebhookResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer func() { resp.Diagnostics.Append(registryWebhookIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	var config registryWebhookModel
	plan, ctx, cancel, c, ok := begin(ctx, &r.base, req.Plan.Get, func(m *registryWebhookModel) conns.Timeout { return m.Timeouts.Create }, defaultTimeout, &resp.Diagnostics,
		read{req.Config.Get, &config})
	defer cancel()
	if !ok {
		return
	}

	in := webhookInput(ctx, plan)
	in.Secret = secretOf(plan, config)
	w, recovered, err := c.CreateWebhookChecked(ctx, in)
	if !diags.AddCreateOutcome(&resp.Diagnostics, registryWebhookKind, plan.Name.ValueString(), recovered, err, func(id string) string { return id }) {
		return
	}
	flattenWebhook(ctx, w, &plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *registryWebhookResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(registryWebhookIdentity.FromRead(ctx, req, resp)...) }()
	state, ctx, cancel, c, ok := begin(ctx, &r.base, registryWebhookCodec().Getter(req.State.Raw), func(m *registryWebhookModel) conns.Timeout { return m.Timeouts.Read }, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	prior := state

	w, err := c.GetWebhook(ctx, state.ID.ValueString())
	if mlflow.IsNotFound(err) {
		diags.AddNotFoundWarning(&resp.Diagnostics, registryWebhookKind, state.ID.ValueString())
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		diags.AddAPIError(&resp.Diagnostics, "reading", registryWebhookKind, state.ID.ValueString(), err)
		return
	}
	flattenWebhook(ctx, w, &state)
	// resp.State holds the prior state: written only when the read changed it.
	resp.Diagnostics.Append(registryWebhookCodec().Update(ctx, &prior, &state, &resp.State.Raw)...)
}

func (r *registryWebhookResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer func() { resp.Diagnostics.Append(registryWebhookIdentity.FromState(ctx, resp.State, resp.Identity)...) }()
	var state, config registryWebhookModel
	plan, ctx, cancel, c, ok := begin(ctx, &r.base, req.Plan.Get, func(m *registryWebhookModel) conns.Timeout { return m.Timeouts.Update }, defaultTimeout, &resp.Diagnostics,
		read{req.State.Get, &state}, read{req.Config.Get, &config})
	defer cancel()
	if !ok {
		return
	}

	in := webhookInput(ctx, plan)
	description := plan.Description.ValueString() // "" clears it
	in.Description = &description
	// The secret is sent when it changed: the sensitive one by value, the
	// write-only one when its version moves.
	if !plan.Secret.Equal(state.Secret) || !plan.SecretWOVersion.Equal(state.SecretWOVersion) {
		in.Secret = secretOf(plan, config)
	}
	w, err := c.UpdateWebhook(ctx, plan.ID.ValueString(), in)
	if err != nil {
		diags.AddAPIError(&resp.Diagnostics, "updating", registryWebhookKind, plan.ID.ValueString(), err)
		return
	}
	flattenWebhook(ctx, w, &plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *registryWebhookResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel, c, ok := begin(ctx, &r.base, req.State.Get, func(m *registryWebhookModel) conns.Timeout { return m.Timeouts.Delete }, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	if err := c.DeleteWebhook(ctx, state.ID.ValueString()); err != nil && !mlflow.IsNotFound(err) {
		diags.AddAPIError(&resp.Diagnostics, "deleting", registryWebhookKind, state.ID.ValueString(), err)
	}
}

// webhookInput is the create or update body for the plan (no secret).
func webhookInput(ctx context.Context, m registryWebhookModel) mlflow.WebhookInput {
	in := mlflow.WebhookInput{Name: m.Name.ValueString(), URL: m.URL.ValueString(), Status: m.Status.ValueString()}
	if !m.Description.IsNull() {
		s := m.Description.ValueString()
		in.Description = &s
	}
	var events []string
	_ = m.Events.ElementsAs(ctx, &events, false)
	sort.Strings(events)
	for _, e := range events {
		if ev, ok := mlflow.ParseWebhookEvent(e); ok {
			in.Events = append(in.Events, ev)
		}
	}
	return in
}

// secretOf is the secret to send: the write-only one from the
// configuration, else the sensitive one from the plan, else "" (none, or
// cleared).
func secretOf(plan, config registryWebhookModel) *string {
	s := ""
	switch {
	case !config.SecretWO.IsNull() && !config.SecretWO.IsUnknown():
		s = config.SecretWO.ValueString()
	case !plan.Secret.IsNull():
		s = plan.Secret.ValueString()
	}
	return &s
}

// flattenWebhook copies what MLflow returns into m (the secrets stay as
// they are: MLflow never returns them).
func flattenWebhook(ctx context.Context, w *mlflow.Webhook, m *registryWebhookModel) {
	m.ID = types.StringValue(w.ID)
	m.Name = types.StringValue(w.Name)
	m.Description = optionalString(w.Description, m.Description)
	m.URL = types.StringValue(w.URL)
	m.Events = stringSet(w.EventNames())
	m.Status = types.StringValue(w.Status)
	m.CreationTimestamp = types.Int64Value(w.CreationTimestamp)
	m.LastUpdatedTimestamp = types.Int64Value(w.LastUpdatedTimestamp)
	m.SecretWO = types.StringNull()
	if m.Timeouts.IsNull() || m.Timeouts.IsUnknown() {
		m.Timeouts = timeouts.Value{Object: types.ObjectNull(m.Timeouts.AttributeTypes(ctx))}
	}
}
