package pipelines_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/pipelines"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// Helpers that ask Argo's own server and controller about a pipeline.

// lint posts a WorkflowTemplate to Argo's server lint endpoint
// (/api/v1/workflow-templates/{namespace}/lint), which runs Argo's own
// validation of templates, and returns its refusal as an error.
func lint(t *testing.T, ns string, tmpl map[string]any) error {
	body, err := json.Marshal(map[string]any{"namespace": ns, "template": tmpl})
	if err != nil {
		return err
	}
	url := argoServer(t) + "/api/v1/workflow-templates/" + ns + "/lint"
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("linting with Argo's server: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("Argo's server refuses the template (HTTP %d): %s", resp.StatusCode, answer)
	}
	return nil
}

// lintCheck lints the pipeline's WorkflowTemplate as it is on the cluster.
func lintCheck(t *testing.T, ns, name string) acctest.LiveCheck {
	return func() error {
		tmpl, err := get(t, pipelines.WorkflowTemplateGVR, ns, name)
		if err != nil {
			return err
		}
		obj := map[string]any{"apiVersion": tmpl.GetAPIVersion(), "kind": tmpl.GetKind(), "spec": tmpl.Object["spec"],
			"metadata": map[string]any{"name": tmpl.GetName(), "namespace": ns, "labels": tmpl.GetLabels(), "annotations": tmpl.GetAnnotations()}}
		return lint(t, ns, obj)
	}
}

var taskResultGVR = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "workflowtaskresults"}

// submit starts a run of the pipeline's template, named name, with the
// given parameters, as `argo submit --from workflowtemplate/...` does.
func submit(t *testing.T, ns, pipeline, name string, params map[string]string) {
	t.Helper()
	spec := map[string]any{"workflowTemplateRef": map[string]any{"name": pipeline}}
	if len(params) > 0 {
		var list []any
		for k, v := range params {
			list = append(list, map[string]any{"name": k, "value": v})
		}
		spec["arguments"] = map[string]any{"parameters": list}
	}
	run := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
		"metadata": map[string]any{"name": name, "namespace": ns}, "spec": spec,
	}}
	if _, err := acctest.Kube(t).Resource(workflowGVR).Namespace(ns).Create(context.Background(), run, metav1.CreateOptions{}); err != nil {
		t.Fatalf("submitting %s: %v", name, err)
	}
}

// finished waits until Argo's controller reports the run finished.
func finished(t *testing.T, ns, name string) (*unstructured.Unstructured, error) {
	var last *unstructured.Unstructured
	err := acctest.Eventually(2*time.Minute, func() error {
		var err error
		if last, err = get(t, workflowGVR, ns, name); err != nil {
			return err
		}
		phase, _, _ := unstructured.NestedString(last.Object, "status", "phase")
		if phase != "Succeeded" && phase != "Failed" && phase != "Error" {
			return fmt.Errorf("the run %s is %q", name, phase)
		}
		return nil
	})
	return last, err
}

func phaseOf(run *unstructured.Unstructured) string {
	p, _, _ := unstructured.NestedString(run.Object, "status", "phase")
	return p
}

// nodes is the run's nodes of one step (by display name), as Argo's
// controller reports them.
func nodes(run *unstructured.Unstructured, displayName string) []map[string]any {
	all, _, _ := unstructured.NestedMap(run.Object, "status", "nodes")
	var out []map[string]any
	for _, n := range all {
		if node, ok := n.(map[string]any); ok && node["displayName"] == displayName {
			out = append(out, node)
		}
	}
	return out
}

// podsOf lists the run's pods, by Argo's node name annotation.
func podsOf(t *testing.T, ns, run string) (map[string]corev1.Pod, error) {
	pods, err := acctest.Core(t).CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "workflows.argoproj.io/workflow=" + run})
	if err != nil {
		return nil, err
	}
	out := map[string]corev1.Pod{}
	for _, p := range pods.Items {
		out[p.Annotations["workflows.argoproj.io/node-name"]] = p
	}
	return out, nil
}

// podsNamed are the pods whose node name starts with prefix, sorted.
func podsNamed(pods map[string]corev1.Pod, prefix string) []string {
	var out []string
	for name := range pods {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func mainContainer(p corev1.Pod) corev1.Container {
	for _, c := range p.Spec.Containers {
		if c.Name == "main" {
			return c
		}
	}
	return corev1.Container{}
}

// nodeID is the ID Argo's controller gives the node of a DAG task
// (Workflow.NodeID in Argo's code: the run's name and the FNV-32a hash of
// the node's name).
func nodeID(run, task string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(run + "." + task))
	return fmt.Sprintf("%s-%d", run, h.Sum32())
}

// standInTaskResult writes what Argo's executor writes when a step ends: a
// WorkflowTaskResult with the step's outputs, named by its node and
// labelled complete. STAND-IN: kwok runs no container, so no executor runs
// here; this plays that one part of it, and only that. Everything else
// (substituting the outputs into later pods) is Argo's real controller.
func standInTaskResult(t *testing.T, ns, run, task string, outputs map[string]any) {
	t.Helper()
	result := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTaskResult",
		"metadata": map[string]any{"name": nodeID(run, task), "namespace": ns, "labels": map[string]any{
			"workflows.argoproj.io/workflow":                 run,
			"workflows.argoproj.io/report-outputs-completed": "true",
		}},
		"outputs": outputs,
	}}
	if _, err := acctest.Kube(t).Resource(taskResultGVR).Namespace(ns).Create(context.Background(), result, metav1.CreateOptions{}); err != nil {
		t.Fatalf("writing the stand-in task result of %s: %v", task, err)
	}
}

// podTemplate is the template Argo's controller handed a pod (the
// ARGO_TEMPLATE env of its wait container), which the executor acts on.
func podTemplate(p corev1.Pod) (map[string]any, error) {
	for _, c := range append(p.Spec.InitContainers, p.Spec.Containers...) {
		for _, e := range c.Env {
			if e.Name == "ARGO_TEMPLATE" {
				var tmpl map[string]any
				return tmpl, json.Unmarshal([]byte(e.Value), &tmpl)
			}
		}
	}
	return nil, fmt.Errorf("the pod %s has no ARGO_TEMPLATE", p.Name)
}

// lintAll is a state check that lints every pipeline in the state with
// Argo's server, so that each acceptance test step also proves its
// templates are ones Argo accepts.
type lintAll struct{ t *testing.T }

func (l lintAll) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil {
		return
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Type != "mlops_pipeline" {
			continue
		}
		ns, _ := r.AttributeValues["namespace"].(string)
		name, _ := r.AttributeValues["name"].(string)
		if err := lintCheck(l.t, ns, name)(); err != nil {
			resp.Error = fmt.Errorf("%s: %w", r.Address, err)
			return
		}
	}
}
