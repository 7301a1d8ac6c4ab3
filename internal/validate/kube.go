package validate

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Kubernetes' own naming rules (k8s.io/apimachinery/pkg/util/validation),
// checked at plan so that the API server never refuses them at apply.

// KubeNameProblem returns why s is not the name of a Kubernetes object such
// as a Secret, ServiceAccount or PriorityClass (a DNS-1123 subdomain), or "".
func KubeNameProblem(s string) string {
	if errs := validation.IsDNS1123Subdomain(s); len(errs) > 0 {
		return fmt.Sprintf("%q is not a Kubernetes object name: %s", s, strings.Join(errs, "; "))
	}
	return ""
}

// KubeName checks the name of a Kubernetes object (a DNS-1123 subdomain).
func KubeName() validator.String {
	return ByProblem("Invalid Kubernetes name", "must be a Kubernetes object name: lower-case letters, digits, '-' and '.'", KubeNameProblem)
}

// EnvVarNameProblem returns why s is not an environment variable name that
// Kubernetes accepts, or "".
func EnvVarNameProblem(s string) string {
	if errs := validation.IsEnvVarName(s); len(errs) > 0 {
		return fmt.Sprintf("%q is not an environment variable name: %s", s, strings.Join(errs, "; "))
	}
	return ""
}

// LabelKeyProblem returns why s is not a label key (or node selector key),
// or "".
func LabelKeyProblem(s string) string {
	if errs := validation.IsQualifiedName(s); len(errs) > 0 {
		return fmt.Sprintf("%q is not a Kubernetes label key: %s", s, strings.Join(errs, "; "))
	}
	return ""
}

// LabelValueProblem returns why s is not a label value, or "".
func LabelValueProblem(s string) string {
	if errs := validation.IsValidLabelValue(s); len(errs) > 0 {
		return fmt.Sprintf("%q is not a Kubernetes label value: %s", s, strings.Join(errs, "; "))
	}
	return ""
}

// MapKeys checks every key of a map attribute with problem; the error is on
// the key.
func MapKeys(summary, description string, problem func(string) string) validator.Map {
	return mapKeysValidator{summary: summary, description: description, problem: problem}
}

type mapKeysValidator struct {
	summary, description string
	problem              func(string) string
}

func (v mapKeysValidator) Description(context.Context) string { return v.description }
func (v mapKeysValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (v mapKeysValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	keys := make([]string, 0, len(req.ConfigValue.Elements()))
	for k := range req.ConfigValue.Elements() {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same errors in the same order every time
	for _, k := range keys {
		if msg := v.problem(k); msg != "" {
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), v.summary, msg+".")
		}
	}
}

// EnvVarNames checks the keys of an environment map.
func EnvVarNames() validator.Map {
	return MapKeys("Invalid environment variable name", "keys must be environment variable names", EnvVarNameProblem)
}

// NodeSelector checks a node selector: label keys and values.
func NodeSelector() validator.Map { return nodeSelectorValidator{} }

type nodeSelectorValidator struct{}

func (nodeSelectorValidator) Description(context.Context) string {
	return "keys must be label keys and values label values"
}
func (v nodeSelectorValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (nodeSelectorValidator) ValidateMap(ctx context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	MapKeys("Invalid node selector", "", LabelKeyProblem).ValidateMap(ctx, req, resp)
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for k, e := range req.ConfigValue.Elements() {
		s, ok := e.(interface {
			IsNull() bool
			IsUnknown() bool
			ValueString() string
		})
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		if msg := LabelValueProblem(s.ValueString()); msg != "" {
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Invalid node selector", msg+".")
		}
	}
}
