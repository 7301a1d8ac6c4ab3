// Package registry implements the MLflow Model Registry family: the resources
// mlops_registered_model, mlops_model_version, mlops_model_alias,
// mlops_registry_webhook (MLflow's registry webhooks) and
// mlops_registered_model_permission (MLflow's authentication app), and the data sources
// mlops_registered_model, mlops_model_version and mlops_model_versions. It
// imports conns, diags, mlflow, retry, tfval and validate, never another
// resource family.
package registry

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/conns"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

// Resources lists the family's resources.
func Resources() []func() resource.Resource {
	return []func() resource.Resource{
		NewRegisteredModelResource,
		NewModelVersionResource,
		NewModelAliasResource,
		NewRegistryWebhookResource,
		NewModelPermissionResource,
	}
}

// DataSources lists the family's data sources.
func DataSources() []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewRegisteredModelDataSource,
		NewModelVersionDataSource,
		NewModelVersionsDataSource,
		NewLoggedModelDataSource,
	}
}

// base is embedded by every resource and data source of the family.
type base struct {
	data *conns.ProviderData
}

func (b *base) configure(providerData any, d *diag.Diagnostics) {
	b.data = conns.FromConfigure(providerData, d)
}

// client returns the MLflow client, or adds the diagnostics that say which
// setting is missing.
func (b *base) client(d *diag.Diagnostics) *mlflow.Client {
	return conns.MLflow(b.data, d)
}

func (b *base) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// begin starts a CRUD method of the family: conns.Begin, then the other
// reads the method needs (also: the prior state of an update, the
// configuration), then the client. ok is false when the diagnostics say why
// the method cannot go on.
func begin[M any](ctx context.Context, b *base, get func(context.Context, any) diag.Diagnostics, timeout func(*M) conns.Timeout, def time.Duration,
	d *diag.Diagnostics, also ...read) (M, context.Context, context.CancelFunc, *mlflow.Client, bool) {
	m, ctx, cancel := conns.Begin(ctx, get, timeout, def, d)
	for _, r := range also {
		d.Append(r.get(ctx, r.into)...)
	}
	c := b.client(d)
	return m, ctx, cancel, c, !d.HasError()
}

// read is one more read for begin: get (such as req.State.Get) into a model.
type read struct {
	get  func(context.Context, any) diag.Diagnostics
	into any
}

// checkClientAtPlan makes a missing registry setting an error at plan time
// rather than at apply time.
func (b *base) checkClientAtPlan(req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || b.data == nil {
		return // destroy, or validation before the provider is configured
	}
	b.client(&resp.Diagnostics)
}

// resourceBase is base for resources: the type name, identity and import
// each resource declares give its Metadata, IdentitySchema and ImportState.
type resourceBase struct {
	base
	typeName string // after the provider's name, such as "_model_alias"
	identity tfval.Identity
	// mutableIdentity says that an update may change the identity.
	mutableIdentity bool
	imports         importer
}

func (b *resourceBase) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + b.typeName
	resp.ResourceBehavior.MutableIdentity = b.mutableIdentity
}

func (b *resourceBase) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	b.identity.Schema(resp)
}

func (b *resourceBase) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	b.imports.importState(ctx, b.identity, req, resp)
}

// dsBase is base for data sources.
type dsBase struct{ base }

func (b *dsBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// ---- tags ----

// systemTagPrefix marks tags that MLflow and its clients manage; the
// resources leave them alone.
const systemTagPrefix = "mlflow."

func isSystemTag(key string) bool { return strings.HasPrefix(key, systemTagPrefix) }

// userTags returns the tags a resource manages: all but system tags.
func userTags(tags []mlflow.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range tags {
		if !isSystemTag(t.Key) {
			out[t.Key] = t.Value
		}
	}
	return out
}

// tagChanges returns the tags to set and the keys to delete to go from have
// to want. System tags are never deleted.
func tagChanges(have, want map[string]string) (set map[string]string, del []string) {
	set = map[string]string{}
	for k, v := range want {
		if old, ok := have[k]; !ok || old != v {
			set[k] = v
		}
	}
	for k := range have {
		if _, ok := want[k]; !ok && !isSystemTag(k) {
			del = append(del, k)
		}
	}
	return set, del
}

// optionalString maps the API's "" to null for an optional attribute, unless
// the prior value was "" itself (a user who wrote description = "").
func optionalString(s string, prior types.String) types.String {
	if s == "" && (prior.IsNull() || prior.IsUnknown() || prior.ValueString() != "") {
		return types.StringNull()
	}
	return types.StringValue(s)
}

type diagnostics = diag.Diagnostics

// defaultTimeout bounds an operation whose timeouts block gives no value.
const defaultTimeout = 5 * time.Minute

// versionNumbers returns the versions' numbers in ascending numeric order.
func versionNumbers(vs []mlflow.ModelVersion) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Version)
	}
	sort.Slice(out, func(i, j int) bool { return versionLess(out[i], out[j]) })
	return out
}

// versionLess orders version numbers numerically ("9" < "10").
func versionLess(a, b string) bool {
	ai, aerr := strconv.ParseInt(a, 10, 64)
	bi, berr := strconv.ParseInt(b, 10, 64)
	if aerr != nil || berr != nil {
		return a < b
	}
	return ai < bi
}
