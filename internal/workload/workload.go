// Package workload holds the pieces of a Kubernetes pod that more than one
// resource family lets users write: environment variables from Secrets,
// tolerations, and container resources (requests and limits). Each piece has
// its schema attribute, its Go value, the conversions from and to framework
// values, and its rendering into (and reading from) the unstructured maps
// the Kubernetes API takes. It imports kube, tfval and validate only.
package workload

import (
	"context"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
)

// SecretKey names one key of a Secret in the workload's namespace.
type SecretKey struct {
	Secret string `tfsdk:"secret"`
	Key    string `tfsdk:"key"`
}

var secretKeyAttrTypes = map[string]attr.Type{"secret": types.StringType, "key": types.StringType}

// SecretKeyType is the element type of an env_from_secrets map.
var SecretKeyType = types.ObjectType{AttrTypes: secretKeyAttrTypes}

// EnvFromSecretsAttribute is `env_from_secrets`: environment variables whose
// values Kubernetes reads from Secrets, so that no secret value is ever in
// the Terraform state.
func EnvFromSecretsAttribute(what string) schema.MapNestedAttribute {
	return schema.MapNestedAttribute{
		Optional: true,
		MarkdownDescription: "Environment variables of " + what + " read from Secrets in the same namespace, such as " +
			"`{ HF_TOKEN = { secret = \"hf\", key = \"token\" } }`: Kubernetes puts the value in the container (`valueFrom.secretKeyRef`), " +
			"so it is never in the Terraform state or plan.",
		Validators: []validator.Map{validate.EnvVarNames()},
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"secret": schema.StringAttribute{Required: true, MarkdownDescription: "Name of the Secret.", Validators: []validator.String{validate.KubeName()}},
			"key":    schema.StringAttribute{Required: true, MarkdownDescription: "Key in the Secret.", Validators: []validator.String{validate.NotBlank()}},
		}},
	}
}

// SecretKeysOf reads an env_from_secrets map; nil when null or unknown.
func SecretKeysOf(ctx context.Context, m types.Map, d *diag.Diagnostics) map[string]SecretKey {
	if m.IsNull() || m.IsUnknown() {
		return nil
	}
	out := map[string]SecretKey{}
	d.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

// SecretKeysValue is live as an env_from_secrets value: null when live is
// empty and nothing was configured.
func SecretKeysValue(live map[string]SecretKey, prior types.Map) types.Map {
	if len(live) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.MapNull(SecretKeyType)
	}
	elems := make(map[string]attr.Value, len(live))
	for k, v := range live {
		elems[k] = types.ObjectValueMust(secretKeyAttrTypes, map[string]attr.Value{"secret": types.StringValue(v.Secret), "key": types.StringValue(v.Key)})
	}
	return types.MapValueMust(SecretKeyType, elems)
}

// EnvList renders plain and Secret-backed environment variables as a
// container's env, sorted by name (so that the same configuration always
// renders the same list).
func EnvList(env map[string]string, fromSecrets map[string]SecretKey) []any {
	names := make([]string, 0, len(env)+len(fromSecrets))
	for k := range env {
		names = append(names, k)
	}
	for k := range fromSecrets {
		if _, dup := env[k]; !dup {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	out := make([]any, 0, len(names))
	for _, k := range names {
		if ref, ok := fromSecrets[k]; ok {
			out = append(out, map[string]any{"name": k, "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": ref.Secret, "key": ref.Key}}})
			continue
		}
		out = append(out, map[string]any{"name": k, "value": env[k]})
	}
	return out
}

// ReadEnv splits a container's env into plain values and Secret
// references; other sources (field references, ConfigMaps) are not the
// provider's and are skipped. Names for which skip is true are left out.
func ReadEnv(list []any, skip func(string) bool) (map[string]string, map[string]SecretKey) {
	var env map[string]string
	var secrets map[string]SecretKey
	for _, item := range list {
		kv, ok := item.(map[string]any)
		if !ok {
			continue
		}
		name, _ := kv["name"].(string)
		if skip != nil && skip(name) {
			continue
		}
		if from, ok := kv["valueFrom"].(map[string]any); ok {
			ref, ok := from["secretKeyRef"].(map[string]any)
			if !ok {
				continue
			}
			if secrets == nil {
				secrets = map[string]SecretKey{}
			}
			s, _ := ref["name"].(string)
			k, _ := ref["key"].(string)
			secrets[name] = SecretKey{Secret: s, Key: k}
			continue
		}
		if env == nil {
			env = map[string]string{}
		}
		env[name], _ = kv["value"].(string)
	}
	return env, secrets
}

var basetypesOpts = basetypes.ObjectAsOptions{}

// ObjectOf reads a single nested attribute into into; false when it is
// null or unknown.
func ObjectOf(ctx context.Context, o types.Object, into any, d *diag.Diagnostics) bool {
	if o.IsNull() || o.IsUnknown() {
		return false
	}
	d.Append(tfval.As(ctx, o, into)...)
	return true
}
