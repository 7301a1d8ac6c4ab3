package pipelines

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// absolutePathProblem returns why p is not an absolute path in a container.
func absolutePathProblem(p string) string {
	if !strings.HasPrefix(p, "/") {
		return fmt.Sprintf("%q is not an absolute path: give the path in the container, such as \"/data/out\"", p)
	}
	return ""
}

func absolutePath() validator.String {
	return validate.ByProblem("Invalid path", "must be an absolute path in the container", absolutePathProblem)
}

// oneVolumeSource checks that a volume has exactly one source.
type oneVolumeSource struct{}

func (oneVolumeSource) Description(context.Context) string {
	return "exactly one of empty_dir, pvc, secret and config_map"
}
func (v oneVolumeSource) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (oneVolumeSource) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	var m volumeModel
	if !workload.ObjectOf(ctx, req.ConfigValue, &m, &resp.Diagnostics) {
		return
	}
	if m.EmptyDir.IsUnknown() || m.PVC.IsUnknown() || m.Secret.IsUnknown() || m.ConfigMap.IsUnknown() {
		return
	}
	var set []string
	if m.EmptyDir.ValueBool() {
		set = append(set, "empty_dir")
	}
	for name, v := range map[string]types.String{"pvc": m.PVC, "secret": m.Secret, "config_map": m.ConfigMap} {
		if !v.IsNull() {
			set = append(set, name)
		}
	}
	switch {
	case len(set) == 0:
		resp.Diagnostics.AddAttributeError(req.Path, "Volume without a source",
			"Give the volume exactly one source: empty_dir = true, pvc = \"<claim>\", secret = \"<name>\" or config_map = \"<name>\".")
	case len(set) > 1:
		resp.Diagnostics.AddAttributeError(req.Path, "Volume with more than one source",
			fmt.Sprintf("A volume has exactly one source, and this one sets %s: keep one of them.", strings.Join(sortedStrings(set), " and ")))
	}
}

func sortedStrings(ss []string) []string {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[s] = true
	}
	return tfval.SortedKeys(m)
}

// checkStep checks, across one step's attributes, what no single
// attribute can: retries with retry, a name in both env and
// env_from_secrets, volume names used twice.
func checkStep(at path.Path, m stepModel) []RefProblem {
	var out []RefProblem
	if !m.Retries.IsNull() && !m.Retry.IsNull() {
		out = append(out, RefProblem{At: at.AtName("retry"), Message: "retries and retry both set the step's retry strategy: " +
			"keep retry (retry = { limit = N, policy = ..., backoff = ... }) and remove retries"})
	}
	if !m.Env.IsUnknown() && !m.EnvFromSecrets.IsUnknown() {
		for _, k := range tfval.SortedKeys(m.EnvFromSecrets.Elements()) {
			if _, dup := m.Env.Elements()[k]; dup {
				out = append(out, RefProblem{At: at.AtName("env_from_secrets").AtMapKey(k),
					Message: fmt.Sprintf("%s is set in both env and env_from_secrets: keep one", k)})
			}
		}
	}
	if !m.Volumes.IsUnknown() {
		seen := map[string]bool{}
		for i, v := range m.Volumes.Elements() {
			o, ok := v.(types.Object)
			if !ok || o.IsUnknown() {
				continue
			}
			name, ok := o.Attributes()["name"].(types.String)
			if !ok || name.IsUnknown() {
				continue
			}
			if seen[name.ValueString()] {
				out = append(out, RefProblem{At: at.AtName("volumes").AtListIndex(i).AtName("name"),
					Message: fmt.Sprintf("the volume name %q is used twice in this step: give each volume its own name", name.ValueString())})
			}
			seen[name.ValueString()] = true
		}
	}
	return out
}
