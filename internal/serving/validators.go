package serving

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// ascendingPercentSteps checks rollout steps: each 1..99, strictly ascending.
type ascendingPercentSteps struct{}

func (ascendingPercentSteps) Description(context.Context) string {
	return "each step must be 1 to 99, and the steps ascending"
}
func (v ascendingPercentSteps) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (ascendingPercentSteps) ValidateList(ctx context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	prev := int64(0)
	for i, e := range req.ConfigValue.Elements() {
		v, ok := e.(types.Int64)
		if !ok || v.IsUnknown() || v.IsNull() {
			return
		}
		n := v.ValueInt64()
		switch {
		case n < 1 || n > 99:
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i), "Invalid rollout step",
				fmt.Sprintf("Step %d is %d%%: each step is the new model's share of traffic before promotion, from 1 to 99 (promotion to 100%% follows the last step).", i+1, n))
			return
		case n <= prev:
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i), "Invalid rollout step",
				fmt.Sprintf("Step %d (%d%%) is not above step %d (%d%%): list the steps in ascending order, such as [10, 50].", i+1, n, i, prev))
			return
		}
		prev = n
	}
}

// registryRef checks a model or canary reference: registered_model with
// exactly one of version or alias, or storage_uri alone.
type registryRef struct{ root path.Path }

func (v registryRef) Description(context.Context) string {
	return "give registered_model with exactly one of version or alias, or storage_uri"
}
func (v registryRef) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v registryRef) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var obj types.Object
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, v.root, &obj)...)
	if obj.IsNull() || obj.IsUnknown() {
		return
	}
	attrs := obj.Attributes()
	set := func(name string) bool {
		s, ok := attrs[name].(types.String)
		return ok && !s.IsNull()
	}
	rm, ver, alias, uri := set("registered_model"), set("version"), set("alias"), set("storage_uri")
	what := v.root.String()
	switch {
	case ver && alias:
		resp.Diagnostics.AddAttributeError(v.root.AtName("alias"), "Conflicting model reference",
			fmt.Sprintf("%s sets both version and alias: give exactly one of them.", what))
	case (ver || alias) && !rm:
		resp.Diagnostics.AddAttributeError(v.root.AtName("registered_model"), "Missing registered model",
			fmt.Sprintf("%s gives a version or alias but no registered_model: name the registered model they belong to.", what))
	case rm && !ver && !alias:
		resp.Diagnostics.AddAttributeError(v.root.AtName("registered_model"), "Missing model version",
			fmt.Sprintf("%s names registered_model but neither version nor alias: give exactly one of them, such as alias = \"champion\".", what))
	case !rm && !uri:
		resp.Diagnostics.AddAttributeError(v.root, "Missing model",
			fmt.Sprintf("%s names no model: give registered_model with version or alias, or storage_uri.", what))
	}
}

// scalingBounds checks min_replicas <= max_replicas.
type scalingBounds struct{}

func (scalingBounds) Description(context.Context) string {
	return "scaling.min_replicas must not exceed scaling.max_replicas"
}
func (v scalingBounds) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (scalingBounds) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var minR, maxR types.Int64
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("scaling").AtName("min_replicas"), &minR)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("scaling").AtName("max_replicas"), &maxR)...)
	if minR.IsNull() || minR.IsUnknown() || maxR.IsNull() || maxR.IsUnknown() {
		return
	}
	if minR.ValueInt64() > maxR.ValueInt64() {
		resp.Diagnostics.AddAttributeError(path.Root("scaling").AtName("min_replicas"), "Invalid scaling",
			fmt.Sprintf("min_replicas (%d) is above max_replicas (%d): lower min_replicas or raise max_replicas.", minR.ValueInt64(), maxR.ValueInt64()))
	}
}
