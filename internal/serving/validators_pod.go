package serving

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// defaultWithoutContainer is the default of a model attribute that applies
// to KServe's runtimes only (format, protocol): the value when neither the
// configuration nor a custom container sets it; null with a container.
type defaultWithoutContainer string

func (d defaultWithoutContainer) Description(context.Context) string {
	return `defaults to "` + string(d) + `" unless container is set`
}
func (d defaultWithoutContainer) MarkdownDescription(ctx context.Context) string {
	return d.Description(ctx)
}
func (d defaultWithoutContainer) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	// Configured, or kept from the state (nothing changed): nothing to do.
	if !req.ConfigValue.IsNull() || !req.PlanValue.IsUnknown() {
		return
	}
	var container types.Object
	resp.Diagnostics.Append(configAttr(ctx, req.Config, "container", &container)...)
	switch {
	case container.IsUnknown():
		resp.PlanValue = types.StringUnknown()
	case container.IsNull():
		resp.PlanValue = types.StringValue(string(d))
	default:
		resp.PlanValue = types.StringNull()
	}
}

// wholeSecondsProblem returns why s is not a positive duration of whole
// seconds (KServe's timeout is an integer of seconds), or "".
func wholeSecondsProblem(s string) string {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil || d <= 0:
		return fmt.Sprintf("%q is not a positive duration: write one such as \"60s\" or \"2m\"", s)
	case d%time.Second != 0:
		return fmt.Sprintf("%q is not a whole number of seconds, which KServe's timeout counts in: write one such as %q", s, d.Round(time.Second).String())
	}
	return ""
}

// containerConflicts refuses model settings that a custom container
// replaces: KServe would run the container and ignore them.
type containerConflicts struct{}

func (containerConflicts) Description(context.Context) string {
	return "container conflicts with the model's runtime settings"
}
func (v containerConflicts) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (containerConflicts) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var container, model types.Object
	resp.Diagnostics.Append(configAttr(ctx, req.Config, "container", &container)...)
	resp.Diagnostics.Append(configAttr(ctx, req.Config, "model", &model)...)
	if container.IsNull() || model.IsNull() || model.IsUnknown() {
		return
	}
	for _, name := range []string{"format", "format_version", "runtime", "protocol", "args", "env", "env_from_secrets", "resources"} {
		if v, ok := model.Attributes()[name]; ok && !v.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("model").AtName(name), "Conflicting model server",
				fmt.Sprintf("model.%s chooses or configures the runtime that KServe picks for the model, but container runs your own server instead: "+
					"remove model.%s, and set the server's arguments, environment and resources in container.", name, name))
		}
	}
}

// scalingClassRules checks the autoscaler class against the settings it
// takes: KEDA scales on a Prometheus query and KServe's webhook refuses a
// scaleMetric with it; the class is KServe's Standard-mode autoscaler, and
// is set once (scaling.class, not also the annotation).
type scalingClassRules struct{}

func (scalingClassRules) Description(context.Context) string {
	return "scaling.class must fit the deployment mode and the other scaling settings"
}
func (v scalingClassRules) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (scalingClassRules) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var mode types.String
	var scaling types.Object
	var annotations types.Map
	at := path.Root("scaling")
	resp.Diagnostics.Append(configAttr(ctx, req.Config, "scaling", &scaling)...)
	if resp.Diagnostics.HasError() || scaling.IsNull() || scaling.IsUnknown() {
		return
	}
	resp.Diagnostics.Append(configAttr(ctx, req.Config, "deployment_mode", &mode)...)
	resp.Diagnostics.Append(configAttr(ctx, req.Config, "annotations", &annotations)...)
	class, _ := scaling.Attributes()["class"].(types.String)
	metric, _ := scaling.Attributes()["metric"].(types.String)
	prometheus, _ := scaling.Attributes()["prometheus"].(types.Object)
	if resp.Diagnostics.HasError() || class.IsUnknown() || prometheus.IsUnknown() {
		return
	}
	keda := class.ValueString() == scalingClassKEDA
	switch {
	case !class.IsNull() && !mode.IsNull() && !mode.IsUnknown() && mode.ValueString() != ModeStandard:
		resp.Diagnostics.AddAttributeError(at.AtName("class"), "Autoscaler class unavailable in Knative mode",
			"scaling.class chooses KServe's autoscaler in Standard mode; in Knative mode Knative's own autoscaler scales on scaling.metric. Remove scaling.class, or use deployment_mode = \"Standard\".")
	case !class.IsNull() && annotationSet(annotations, annotationAutoscalerClass):
		resp.Diagnostics.AddAttributeError(at.AtName("class"), "Autoscaler class set twice",
			fmt.Sprintf("scaling.class and the annotation %s both choose the autoscaler: keep scaling.class and remove the annotation.", annotationAutoscalerClass))
	case keda && prometheus.IsNull():
		resp.Diagnostics.AddAttributeError(at.AtName("prometheus"), "Missing scaling query",
			"scaling.class = \"keda\" scales on a Prometheus query: set scaling.prometheus = { server = \"http://prometheus.monitoring:9090\", query = \"...\", target = 50 }.")
	case !prometheus.IsNull() && !keda:
		resp.Diagnostics.AddAttributeError(at.AtName("prometheus"), "Scaling query needs KEDA",
			"KServe scales on a Prometheus query through KEDA only: set scaling.class = \"keda\" (and install KEDA in the cluster), or remove scaling.prometheus.")
	case keda && !metric.IsNull():
		resp.Diagnostics.AddAttributeError(at.AtName("metric"), "Scaling metric not used by KEDA",
			"With scaling.class = \"keda\" KServe scales on scaling.prometheus, and its webhook refuses scaling.metric: remove scaling.metric (and scaling.target).")
	}
}

// annotationSet tells whether a map attribute has the key.
func annotationSet(m types.Map, key string) bool {
	if m.IsNull() || m.IsUnknown() {
		return false
	}
	_, ok := m.Elements()[key]
	return ok
}
