package tfval

import (
	"encoding/json"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The provider's small value helpers, in one place.

// OptString is s as an optional string: null when empty.
func OptString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// KnownString is v's value, or "" when null or unknown.
func KnownString(v types.String) string {
	if v.IsNull() || v.IsUnknown() {
		return ""
	}
	return v.ValueString()
}

// SortedKeys is m's keys in order, so that what is rendered from a map is
// the same every time.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ToAny is ss as the []any of an unstructured Kubernetes object.
func ToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// MapToAny is m as the map[string]any of an unstructured Kubernetes object.
func MapToAny(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// MustJSON encodes v, which must be encodable (the provider's own types).
func MustJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(data)
}

// Capitalize upper-cases the first letter, to start a diagnostic's detail
// with a message that is also used mid-sentence.
func Capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-('a'-'A')) + s[1:]
}
