package tfval

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
)

// IdentityAttr is one attribute of a resource identity: a string attribute
// of the resource's state with the same name.
type IdentityAttr struct {
	Name        string
	Description string
	// Optional attributes may be left out of an import's identity (a
	// cluster-wide object's namespace).
	Optional bool
}

// Identity is a resource's identity (Terraform 1.12 and OpenTofu 1.12 read
// it, and `import { identity = {...} }` gives it): string attributes that
// the state holds under the same names, required to import unless Optional.
type Identity []IdentityAttr

// Schema is the identity's schema.
func (id Identity) Schema(resp *resource.IdentitySchemaResponse) {
	attrs := make(map[string]identityschema.Attribute, len(id))
	for _, a := range id {
		attrs[a.Name] = identityschema.StringAttribute{RequiredForImport: !a.Optional, OptionalForImport: a.Optional, Description: a.Description}
	}
	resp.IdentitySchema = identityschema.Schema{Attributes: attrs}
}

// FromState copies the identity's attributes from state into to. It does
// nothing when the resource has no identity (to is nil) or no state (it
// was removed).
func (id Identity) FromState(ctx context.Context, state tfsdk.State, to *tfsdk.ResourceIdentity) diag.Diagnostics {
	var d diag.Diagnostics
	if to == nil || state.Raw.IsNull() {
		return d
	}
	// The identity's attributes are top-level strings of the state: read
	// them from its raw value, not through the state's whole schema.
	var vals map[string]tftypes.Value
	if err := state.Raw.As(&vals); err != nil {
		vals = nil
	}
	for _, a := range id {
		var v types.String
		if raw, ok := vals[a.Name]; ok && raw.Type().Is(tftypes.String) {
			sv, err := types.StringType.ValueFromTerraform(ctx, raw)
			v, _ = sv.(types.String)
			if err != nil {
				d.AddAttributeError(path.Root(a.Name), "Value Conversion Error", err.Error())
			}
		} else {
			d.Append(state.GetAttribute(ctx, path.Root(a.Name), &v)...)
		}
		d.Append(to.SetAttribute(ctx, path.Root(a.Name), v)...)
	}
	return d
}

// FromRead sets a read's identity from its new state or, when the object
// is gone (the state removed), from the prior one: the framework wants an
// identity after every read that has no error.
func (id Identity) FromRead(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) diag.Diagnostics {
	if resp.State.Raw.IsNull() {
		return id.FromState(ctx, req.State, resp.Identity)
	}
	return id.FromState(ctx, resp.State, resp.Identity)
}

// Values reads the identity an import gives (req.Identity), by attribute
// name; ok is false when the import gives an ID instead.
func (id Identity) Values(ctx context.Context, req resource.ImportStateRequest, d *diag.Diagnostics) (values map[string]string, ok bool) {
	if req.ID != "" || req.Identity == nil || req.Identity.Raw.IsNull() {
		return nil, false
	}
	values = make(map[string]string, len(id))
	for _, a := range id {
		var v types.String
		d.Append(req.Identity.GetAttribute(ctx, path.Root(a.Name), &v)...)
		values[a.Name] = v.ValueString()
	}
	return values, true
}

// ImportNamespaced imports a resource of a namespaced Kubernetes object by
// its ID `<namespace>/<name>` or by its identity (namespace and name): it
// sets id, namespace and name, or says how the ID is written (typeName and
// example name the resource's format).
func (id Identity) ImportNamespaced(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse, typeName, example string) {
	importID := req.ID
	if v, ok := id.Values(ctx, req, &resp.Diagnostics); ok {
		importID = kube.ID{Namespace: v["namespace"], Name: v["name"]}.String()
	}
	parsed, problem := kube.ParseID(importID, typeName, example)
	if problem != "" {
		resp.Diagnostics.AddError("Invalid import ID", problem)
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), importID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("namespace"), parsed.Namespace)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), parsed.Name)...)
}
