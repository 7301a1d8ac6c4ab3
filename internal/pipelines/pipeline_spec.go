package pipelines

import (
	"context"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

// This file reads a pipeline's configuration (expand) and renders the
// WorkflowTemplate and CronWorkflow to apply.

type pipelineSpec struct {
	Name, Namespace string
	Description     string
	ServiceAccount  string
	Parameters      map[string]string
	Steps           []Step
	Schedule        *scheduleSpec
	Trigger         *triggerSpec
	Labels          map[string]string
	Annotations     map[string]string
	Run             runSettings
}

type scheduleSpec struct {
	Cron              []string
	Timezone          string
	ConcurrencyPolicy string
	Suspend           bool
	StartingDeadline  *int64
	SuccessfulHistory *int64
	FailedHistory     *int64
}

func expand(ctx context.Context, m pipelineModel, d *diag.Diagnostics) pipelineSpec {
	p := pipelineSpec{
		Name: m.Name.ValueString(), Namespace: m.Namespace.ValueString(),
		Description: m.Description.ValueString(), ServiceAccount: m.ServiceAccount.ValueString(),
		Parameters: tfval.StringMapOf(ctx, m.Parameters, d), Labels: tfval.StringMapOf(ctx, m.Labels, d), Annotations: tfval.StringMapOf(ctx, m.Annotations, d),
	}
	var steps []stepModel
	d.Append(m.Steps.ElementsAs(ctx, &steps, false)...)
	for _, sm := range steps {
		p.Steps = append(p.Steps, expandStep(ctx, sm, d))
	}
	p.Run = expandRunSettings(ctx, m, d)
	if problems := CheckGraph(p.Steps); len(problems) > 0 {
		for _, pr := range problems {
			d.AddAttributeError(path.Root("steps"), "Invalid pipeline steps", tfval.Capitalize(pr.Message)+".")
		}
	} else {
		for _, pr := range CheckReferences(p.Steps) {
			d.AddAttributeError(pr.At, "Invalid reference to a step's output", tfval.Capitalize(pr.Message)+".")
		}
	}
	if !m.Schedule.IsNull() {
		var sm scheduleModel
		d.Append(m.Schedule.As(ctx, &sm, basetypes.ObjectAsOptions{})...)
		s := &scheduleSpec{
			Cron: tfval.StringListOf(ctx, sm.Cron, d), Timezone: sm.Timezone.ValueString(),
			ConcurrencyPolicy: sm.ConcurrencyPolicy.ValueString(), Suspend: sm.Suspend.ValueBool(),
			SuccessfulHistory: sm.SuccessfulHistory.ValueInt64Pointer(), FailedHistory: sm.FailedHistory.ValueInt64Pointer(),
		}
		if !sm.StartingDeadline.IsNull() {
			secs := seconds(sm.StartingDeadline.ValueString())
			s.StartingDeadline = &secs
		}
		p.Schedule = s
	}
	if !m.Trigger.IsNull() && !m.Trigger.IsUnknown() {
		var tm triggerModel
		d.Append(m.Trigger.As(ctx, &tm, basetypes.ObjectAsOptions{})...)
		t := &triggerSpec{ModelName: tm.ModelName.ValueString(), Alias: tm.Alias.ValueString(), Parameters: tfval.StringMapOf(ctx, tm.Parameters, d)}
		d.Append(tm.Events.ElementsAs(ctx, &t.Events, false)...)
		sort.Strings(t.Events)
		p.Trigger = t
	}
	return p
}

// id is the pipeline's ID, and its objects' name.
func (p pipelineSpec) id() kube.ID { return kube.ID{Namespace: p.Namespace, Name: p.Name} }

func (p pipelineSpec) metadata() map[string]any {
	annotations := tfval.MapToAny(p.Annotations)
	if p.Description != "" {
		annotations[annotationDescription] = p.Description
	}
	md := map[string]any{"name": p.Name, "namespace": p.Namespace}
	if len(annotations) > 0 {
		md["annotations"] = annotations
	}
	if len(p.Labels) > 0 {
		md["labels"] = tfval.MapToAny(p.Labels)
	}
	return md
}

// workflowTemplate renders the WorkflowTemplate to server-side apply.
func (p pipelineSpec) workflowTemplate() *unstructured.Unstructured {
	spec := map[string]any{"entrypoint": dagTemplate, "templates": Templates(p.Steps, p.Run.Repository)}
	p.Run.render(spec)
	if len(p.Parameters) > 0 {
		spec["arguments"] = map[string]any{"parameters": Parameters(p.Parameters)}
	}
	if p.ServiceAccount != "" {
		spec["serviceAccountName"] = p.ServiceAccount
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": p.metadata(), "spec": spec,
	}}
}

// cronWorkflow renders the CronWorkflow that runs the template.
func (p pipelineSpec) cronWorkflow() *unstructured.Unstructured {
	s := p.Schedule
	spec := map[string]any{
		"schedules":         tfval.ToAny(s.Cron),
		"concurrencyPolicy": s.ConcurrencyPolicy,
		"suspend":           s.Suspend,
		"workflowSpec":      map[string]any{"workflowTemplateRef": map[string]any{"name": p.Name}},
	}
	if s.Timezone != "" {
		spec["timezone"] = s.Timezone
	}
	if s.StartingDeadline != nil {
		spec["startingDeadlineSeconds"] = *s.StartingDeadline
	}
	if s.SuccessfulHistory != nil {
		spec["successfulJobsHistoryLimit"] = *s.SuccessfulHistory
	}
	if s.FailedHistory != nil {
		spec["failedJobsHistoryLimit"] = *s.FailedHistory
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow", "metadata": p.metadata(), "spec": spec,
	}}
}
