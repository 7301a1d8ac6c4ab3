package pipelines

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

// This file is a pipeline's trigger: the WorkflowEventBinding that turns
// registry events posted to Argo's server into runs of the template.

// triggerSpec is a trigger as configured (and as recorded on the binding).
type triggerSpec struct {
	Events     []string          `json:"events"`
	ModelName  string            `json:"model_name,omitempty"`
	Alias      string            `json:"alias,omitempty"`
	Parameters map[string]string `json:"parameters,omitempty"`
}

// eventPath is where Argo's server takes the events of a pipeline's trigger:
// its namespace, and its name as the discriminator.
func eventPath(namespace, name string) string {
	return "/api/v1/events/" + namespace + "/" + name
}

// selector is the binding's expression over what Argo's server received:
// the discriminator of the path, and MLflow's delivery as the payload
// ({entity, action, timestamp, data}, entity and action in lower case).
func (t triggerSpec) selector(discriminator string) string {
	q := strconv.Quote
	var events []string
	for _, e := range t.Events {
		entity, action, _ := strings.Cut(e, ".")
		events = append(events, fmt.Sprintf("(payload.entity == %s && payload.action == %s)", q(entity), q(action)))
	}
	parts := []string{"discriminator == " + q(discriminator), "(" + strings.Join(events, " || ") + ")"}
	if t.ModelName != "" {
		parts = append(parts, "payload.data.name == "+q(t.ModelName))
	}
	if t.Alias != "" {
		parts = append(parts, "payload.data.alias == "+q(t.Alias))
	}
	return strings.Join(parts, " && ")
}

// eventBinding renders the WorkflowEventBinding that turns matching events
// into runs of the template.
func (p pipelineSpec) eventBinding() *unstructured.Unstructured {
	t := p.Trigger
	submit := map[string]any{"workflowTemplateRef": map[string]any{"name": p.Name}}
	if len(t.Parameters) > 0 {
		names := make([]string, 0, len(t.Parameters))
		for n := range t.Parameters {
			names = append(names, n)
		}
		sort.Strings(names)
		params := make([]any, 0, len(names))
		for _, n := range names {
			params = append(params, map[string]any{"name": n, "valueFrom": map[string]any{"event": "payload.data." + t.Parameters[n]}})
		}
		submit["arguments"] = map[string]any{"parameters": params}
	}
	md := p.metadata()
	ann, _ := md["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
	}
	ann[annotationTrigger] = tfval.MustJSON(t)
	md["annotations"] = ann
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowEventBinding", "metadata": md,
		"spec": map[string]any{"event": map[string]any{"selector": t.selector(p.Name)}, "submit": submit},
	}}
}

// flattenTrigger reads the trigger back from the binding: as recorded in
// its annotation, provided the binding still does what that trigger
// renders (else the trigger reads as absent, so the plan puts it back).
func flattenTrigger(binding *unstructured.Unstructured, m *pipelineModel) {
	m.Trigger, m.EventPath = types.ObjectNull(triggerAttrTypes), types.StringNull()
	if binding == nil {
		return
	}
	var t triggerSpec
	if json.Unmarshal([]byte(binding.GetAnnotations()[annotationTrigger]), &t) != nil || len(t.Events) == 0 {
		return
	}
	want := pipelineSpec{Name: binding.GetName(), Namespace: binding.GetNamespace(), Trigger: &t}.eventBinding()
	if !reflect.DeepEqual(normalizeJSON(want.Object["spec"]), normalizeJSON(binding.Object["spec"])) {
		return
	}
	params := tfval.MapOrNull(t.Parameters, types.MapNull(types.StringType))
	events := make([]attr.Value, 0, len(t.Events))
	for _, e := range t.Events {
		events = append(events, types.StringValue(e))
	}
	m.Trigger = types.ObjectValueMust(triggerAttrTypes, map[string]attr.Value{
		"events": types.SetValueMust(types.StringType, events), "model_name": tfval.OptString(t.ModelName),
		"alias": tfval.OptString(t.Alias), "parameters": params,
	})
	m.EventPath = types.StringValue(eventPath(binding.GetNamespace(), binding.GetName()))
}

func normalizeJSON(v any) any {
	data, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(data, &out)
	return out
}
