// Package tfval holds the provider's value helpers: conversions between
// framework values and Go values the way every resource needs them (unknown
// and null read as nil, and an empty live value stays null when nothing was
// configured, so that no read turns a null attribute into an empty one, a
// perpetual diff), small helpers for strings, maps and JSON (small.go),
// resource identity with the imports by ID or identity (identity.go), and
// cheap conversions of whole models and nested objects for the hot paths of
// a plan (codec.go, object.go). It imports the framework and kube (for the
// `<namespace>/<name>` ID) only.
package tfval

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// StringMapOf reads a map(string) attribute; nil when null or unknown.
func StringMapOf(ctx context.Context, m types.Map, d *diag.Diagnostics) map[string]string {
	if m.IsNull() || m.IsUnknown() {
		return nil
	}
	out := map[string]string{}
	d.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

// StringListOf reads a list(string) attribute; nil when null or unknown.
func StringListOf(ctx context.Context, l types.List, d *diag.Diagnostics) []string {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var out []string
	d.Append(l.ElementsAs(ctx, &out, false)...)
	return out
}

// StringMap is m as a map(string) value.
func StringMap(m map[string]string) types.Map {
	elems := make(map[string]attr.Value, len(m))
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

// Float64Map is m as a map(number) value.
func Float64Map(m map[string]float64) types.Map {
	elems := make(map[string]attr.Value, len(m))
	for k, v := range m {
		elems[k] = types.Float64Value(v)
	}
	return types.MapValueMust(types.Float64Type, elems)
}

// StringList is l as a list(string) value.
func StringList(l []string) types.List {
	elems := make([]attr.Value, len(l))
	for i, s := range l {
		elems[i] = types.StringValue(s)
	}
	return types.ListValueMust(types.StringType, elems)
}

// MapOrNull is live as a map value: null when live is empty and the prior
// value was null (nothing configured).
func MapOrNull(live map[string]string, prior types.Map) types.Map {
	if len(live) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.MapNull(types.StringType)
	}
	return StringMap(live)
}

// ListOrNull is live as a list value: null when live is empty and the
// prior value was null (nothing configured).
func ListOrNull(live []string, prior types.List) types.List {
	if len(live) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.ListNull(types.StringType)
	}
	return StringList(live)
}
