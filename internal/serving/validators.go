package serving

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
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

// configAttr reads the top-level attribute name of an endpoint's
// configuration into into (a pointer to its value type), as
// req.Config.GetAttribute(ctx, path.Root(name), into) does, converting only
// that attribute.
func configAttr(ctx context.Context, config tfsdk.Config, name string, into any) diag.Diagnostics {
	return endpointCodec().GetAttribute(ctx, config.Raw, name, into)
}

// registryRef checks a model or canary reference: registered_model with
// exactly one of version or alias, or storage_uri alone. name is the
// top-level attribute: model or canary.
type registryRef struct{ name string }

func (v registryRef) Description(context.Context) string {
	return "give registered_model with exactly one of version or alias, or storage_uri"
}
func (v registryRef) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v registryRef) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var obj types.Object
	root := path.Root(v.name)
	resp.Diagnostics.Append(configAttr(ctx, req.Config, v.name, &obj)...)
	if obj.IsNull() || obj.IsUnknown() {
		return
	}
	attrs := obj.Attributes()
	set := func(name string) bool {
		s, ok := attrs[name].(types.String)
		return ok && !s.IsNull()
	}
	rm, ver, alias, uri := set("registered_model"), set("version"), set("alias"), set("storage_uri")
	what := v.name
	switch {
	case ver && alias:
		resp.Diagnostics.AddAttributeError(root.AtName("alias"), "Conflicting model reference",
			fmt.Sprintf("%s sets both version and alias: give exactly one of them.", what))
	case (ver || alias) && !rm:
		resp.Diagnostics.AddAttributeError(root.AtName("registered_model"), "Missing registered model",
			fmt.Sprintf("%s gives a version or alias but no registered_model: name the registered model they belong to.", what))
	case rm && !ver && !alias:
		resp.Diagnostics.AddAttributeError(root.AtName("registered_model"), "Missing model version",
			fmt.Sprintf("%s names registered_model but neither version nor alias: give exactly one of them, such as alias = \"champion\".", what))
	case !rm && !uri:
		resp.Diagnostics.AddAttributeError(root, "Missing model",
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
	var scaling types.Object
	resp.Diagnostics.Append(configAttr(ctx, req.Config, "scaling", &scaling)...)
	if scaling.IsNull() || scaling.IsUnknown() {
		return
	}
	minR, _ := scaling.Attributes()["min_replicas"].(types.Int64)
	maxR, _ := scaling.Attributes()["max_replicas"].(types.Int64)
	if minR.IsNull() || minR.IsUnknown() || maxR.IsNull() || maxR.IsUnknown() {
		return
	}
	if minR.ValueInt64() > maxR.ValueInt64() {
		resp.Diagnostics.AddAttributeError(path.Root("scaling").AtName("min_replicas"), "Invalid scaling",
			fmt.Sprintf("min_replicas (%d) is above max_replicas (%d): lower min_replicas or raise max_replicas.", minR.ValueInt64(), maxR.ValueInt64()))
	}
}

// Annotation that chooses KServe's autoscaler in Standard mode.
const annotationAutoscalerClass = "serving.kserve.io/autoscalerClass"

// maxStandardNameWithCanary is the longest endpoint name that leaves room
// for a Standard canary's Deployment and Service name,
// {name}-c-XXXXXXXX-predictor, within the 63 characters of a DNS label.
const maxStandardNameWithCanary = 63 - len("-c2-12345678-predictor")

// modeSettings refuses settings that KServe would silently ignore, or
// change, in the chosen deployment mode.
type modeSettings struct{}

func (modeSettings) Description(context.Context) string {
	return "settings must take effect in the chosen deployment mode"
}
func (v modeSettings) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (modeSettings) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var mode, name types.String
	var annotations types.Map
	var canary, rollout, scaling types.Object
	for _, a := range []struct {
		name string
		into any
	}{
		{"deployment_mode", &mode}, {"name", &name}, {"annotations", &annotations},
		{"scaling", &scaling}, {"canary", &canary}, {"rollout", &rollout},
	} {
		resp.Diagnostics.Append(configAttr(ctx, req.Config, a.name, a.into)...)
	}
	if resp.Diagnostics.HasError() || mode.IsUnknown() || (!mode.IsNull() && mode.ValueString() != ModeStandard) || scaling.IsUnknown() {
		return
	}
	metric, class, minR := types.StringNull(), types.StringNull(), types.Int64Null()
	if !scaling.IsNull() {
		metric, _ = scaling.Attributes()["metric"].(types.String)
		class, _ = scaling.Attributes()["class"].(types.String)
		minR, _ = scaling.Attributes()["min_replicas"].(types.Int64)
	}
	// Standard mode (the default).
	effective := scalingClassHPA
	if v, ok := annotations.Elements()[annotationAutoscalerClass].(types.String); ok && !annotations.IsUnknown() {
		effective = v.ValueString()
	}
	if !class.IsNull() {
		effective = class.ValueString()
	}
	if class.IsUnknown() || (!annotations.IsNull() && annotations.IsUnknown()) {
		return
	}
	if m := metric.ValueString(); effective == scalingClassNone && m != "" {
		resp.Diagnostics.AddAttributeError(path.Root("scaling").AtName("metric"), "Scaling metric ignored without an autoscaler",
			"With scaling.class = \"none\" KServe runs min_replicas replicas and makes no autoscaler: remove scaling.metric and scaling.target, "+
				"or choose class = \"hpa\" (cpu, memory) or \"keda\" (a Prometheus query).")
	}
	if effective == scalingClassHPA {
		if m := metric.ValueString(); m == "concurrency" || m == "rps" {
			resp.Diagnostics.AddAttributeError(path.Root("scaling").AtName("metric"), "Scaling metric ignored in Standard mode",
				fmt.Sprintf("In Standard mode KServe scales with a HorizontalPodAutoscaler, which has no %q metric: KServe would create it without one. "+
					"Use metric = \"cpu\" or \"memory\"; or, to scale on requests, class = \"keda\" with prometheus = { server, query, target } "+
					"on your request metrics (such as sum(rate(requests_total[1m]))), with KEDA installed; or deployment_mode = \"Knative\".", m))
		}
		if !minR.IsNull() && !minR.IsUnknown() && minR.ValueInt64() == 0 {
			resp.Diagnostics.AddAttributeError(path.Root("scaling").AtName("min_replicas"), "Scale to zero unavailable in Standard mode",
				"In Standard mode KServe's HorizontalPodAutoscaler keeps at least one replica: KServe would raise min_replicas = 0 to 1. "+
					"Set min_replicas to 1 or more, or use deployment_mode = \"Knative\" to scale to zero.")
		}
	}
	if (!canary.IsNull() || !rollout.IsNull()) && !name.IsNull() && !name.IsUnknown() && len(name.ValueString()) > maxStandardNameWithCanary {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Endpoint name too long for a canary",
			fmt.Sprintf("In Standard mode a canary runs as the Deployment and Service %s-c-XXXXXXXX-predictor, which must fit in 63 characters: "+
				"with a canary or a rollout, the name may have at most %d characters (it has %d).", name.ValueString(), maxStandardNameWithCanary, len(name.ValueString())))
	}
}

// reservedAnnotations refuses annotation keys that the provider sets itself.
type reservedAnnotations struct{}

func (reservedAnnotations) Description(context.Context) string {
	return "must not set serving.kserve.io/deploymentMode or keys under mlops.terraform.io/"
}
func (v reservedAnnotations) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (reservedAnnotations) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for k := range req.ConfigValue.Elements() {
		if internalAnnotation(k) {
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Reserved annotation",
				fmt.Sprintf("The annotation %q is the provider's: set the deployment mode with deployment_mode, and leave keys under mlops.terraform.io/ to the provider.", k))
		}
	}
}
