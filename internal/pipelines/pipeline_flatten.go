package pipelines

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

// This file reads a pipeline back from its live WorkflowTemplate,
// CronWorkflow and WorkflowEventBinding (flatten).

// flatten reads what the provider manages from the live objects into m.
// cron is nil when there is no CronWorkflow.
func flatten(ctx context.Context, tmpl, cron, binding *unstructured.Unstructured, m *pipelineModel, d *diag.Diagnostics) {
	flattenTrigger(binding, m)
	m.ID = types.StringValue(kube.IDOf(tmpl).String())
	m.Name = types.StringValue(tmpl.GetName())
	m.Namespace = types.StringValue(tmpl.GetNamespace())
	m.WorkflowTemplate = types.StringValue(tmpl.GetName())

	annotations := map[string]string{}
	for k, v := range tmpl.GetAnnotations() {
		annotations[k] = v
	}
	desc := annotations[annotationDescription]
	delete(annotations, annotationDescription)
	m.Description = tfval.OptString(desc)
	m.Annotations = tfval.MapOrNull(annotations, m.Annotations)
	m.Labels = tfval.MapOrNull(tmpl.GetLabels(), m.Labels)

	spec, _, _ := unstructured.NestedMap(tmpl.Object, "spec")
	sa, _ := spec["serviceAccountName"].(string)
	m.ServiceAccount = tfval.OptString(sa)
	params := map[string]string{}
	if list, ok, _ := unstructured.NestedSlice(spec, "arguments", "parameters"); ok {
		for _, item := range list {
			if p, ok := item.(map[string]any); ok {
				name, _ := p["name"].(string)
				value, _ := p["value"].(string)
				params[name] = value
			}
		}
	}
	m.Parameters = tfval.MapOrNull(params, m.Parameters)

	flattenSteps(ctx, spec, m, d)
	flattenRunSettings(ctx, spec, m, d)
	flattenSchedule(cron, m)
}

// flattenSteps reads the steps, keeping the prior spelling of each.
func flattenSteps(ctx context.Context, spec map[string]any, m *pipelineModel, d *diag.Diagnostics) {
	var prior []stepModel
	if !m.Steps.IsNull() && !m.Steps.IsUnknown() {
		d.Append(m.Steps.ElementsAs(ctx, &prior, false)...)
	}
	steps := stepsFromTemplates(spec)
	items := make([]attr.Value, 0, len(steps))
	for i, s := range steps {
		var p *stepModel
		if i < len(prior) {
			p = &prior[i]
		}
		items = append(items, stepValue(ctx, s, p, d))
	}
	m.Steps = types.ListValueMust(stepType, items)
}

// flattenSchedule reads the CronWorkflow; cron is nil when there is none.
func flattenSchedule(cron *unstructured.Unstructured, m *pipelineModel) {
	if cron == nil {
		m.Schedule = types.ObjectNull(scheduleAttrTypes)
		m.CronWorkflow = types.StringNull()
		m.LastScheduledTime = types.StringNull()
		return
	}
	cs, _, _ := unstructured.NestedMap(cron.Object, "spec")
	schedules, _, _ := unstructured.NestedStringSlice(cs, "schedules")
	if legacy, _ := cs["schedule"].(string); legacy != "" && len(schedules) == 0 {
		schedules = []string{legacy} // Argo before 3.6 (an imported CronWorkflow)
	}
	tz, _ := cs["timezone"].(string)
	policy, _ := cs["concurrencyPolicy"].(string)
	if policy == "" {
		policy = "Allow"
	}
	suspend, _ := cs["suspend"].(bool)
	prior := types.StringNull()
	if !m.Schedule.IsNull() && !m.Schedule.IsUnknown() {
		prior, _ = m.Schedule.Attributes()["starting_deadline"].(types.String)
	}
	m.Schedule = types.ObjectValueMust(scheduleAttrTypes, map[string]attr.Value{
		"cron":               tfval.StringList(schedules),
		"timezone":           tfval.OptString(tz),
		"concurrency_policy": types.StringValue(policy),
		"suspend":            types.BoolValue(suspend),
		"starting_deadline":  optDuration(kube.Int64(cs, "startingDeadlineSeconds"), prior),
		"successful_history": types.Int64PointerValue(kube.Int64(cs, "successfulJobsHistoryLimit")),
		"failed_history":     types.Int64PointerValue(kube.Int64(cs, "failedJobsHistoryLimit")),
	})
	m.CronWorkflow = types.StringValue(cron.GetName())
	last, _, _ := unstructured.NestedString(cron.Object, "status", "lastScheduledTime")
	m.LastScheduledTime = tfval.OptString(last)
}
