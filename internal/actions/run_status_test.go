package actions

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
)

// workflow builds a run named "run-x" in phase with the given nodes, as
// Argo's controller writes status.nodes.
func workflow(phase, message string, ns ...map[string]any) *unstructured.Unstructured {
	nodes := map[string]any{}
	for i, n := range ns {
		nodes["run-x-"+string(rune('a'+i))] = n
	}
	status := map[string]any{"nodes": nodes}
	if phase != "" {
		status["phase"] = phase
	}
	if message != "" {
		status["message"] = message
	}
	return &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": "run-x"}, "status": status}}
}

func n(name, display, typ, phase, message, finished string) map[string]any {
	return map[string]any{"name": name, "displayName": display, "type": typ, "phase": phase, "message": message, "finishedAt": finished}
}

// mlops_pipeline's template: a DAG entrypoint named pipeline and one
// container template per step.
var pipelineSpec = map[string]any{
	"entrypoint": "pipeline",
	"templates": []any{
		map[string]any{"name": "pipeline", "dag": map[string]any{"tasks": []any{
			map[string]any{"name": "prepare", "template": "step-prepare"},
			map[string]any{"name": "train", "template": "step-train", "dependencies": []any{"prepare"}},
		}}},
		map[string]any{"name": "step-prepare", "container": map[string]any{"image": "busybox"}},
		map[string]any{"name": "step-train", "container": map[string]any{"image": "busybox"}},
	},
}

func TestStepNames(t *testing.T) {
	if got := stepNames(pipelineSpec); len(got) != 2 || got[0] != "prepare" || got[1] != "train" {
		t.Errorf("DAG: got %v", got)
	}
	steps := map[string]any{"entrypoint": "main", "templates": []any{
		map[string]any{"name": "main", "steps": []any{
			[]any{map[string]any{"name": "a"}},
			[]any{map[string]any{"name": "b"}, map[string]any{"name": "c"}},
		}},
	}}
	if got := stepNames(steps); len(got) != 3 || got[2] != "c" {
		t.Errorf("steps: got %v", got)
	}
	if got := stepNames(map[string]any{"entrypoint": "x", "templates": []any{map[string]any{"name": "x", "container": map[string]any{}}}}); got != nil {
		t.Errorf("container entrypoint: got %v, want nil", got)
	}
}

func TestProgress(t *testing.T) {
	steps := stepNames(pipelineSpec)
	cases := []struct {
		name  string
		wf    *unstructured.Unstructured
		steps []string
		want  string
	}{
		{"not seen by the controller yet", workflow("", ""), steps, "Pending: 0/2 steps done"},
		{"first step running", workflow("Running", "",
			n("run-x", "run-x", "DAG", "Running", "", ""),
			n("run-x.prepare", "prepare", "Pod", "Running", "", "")), steps, "Running: 0/2 steps done (running: prepare)"},
		{"second step running", workflow("Running", "",
			n("run-x", "run-x", "DAG", "Running", "", ""),
			n("run-x.prepare", "prepare", "Pod", "Succeeded", "", "t1"),
			n("run-x.train", "train", "Pod", "Running", "", "")), steps, "Running: 1/2 steps done (running: train)"},
		{"retried step: the Retry node counts, not its attempts", workflow("Running", "",
			n("run-x.prepare", "prepare", "Pod", "Succeeded", "", "t1"),
			n("run-x.train", "train", "Retry", "Running", "", ""),
			n("run-x.train(0)", "train(0)", "Pod", "Failed", "exit 1", "t2"),
			n("run-x.train(1)", "train(1)", "Pod", "Running", "", "")), steps, "Running: 1/2 steps done (running: train)"},
		{"succeeded", workflow("Succeeded", "",
			n("run-x", "run-x", "DAG", "Succeeded", "", "t3"),
			n("run-x.prepare", "prepare", "Pod", "Succeeded", "", "t1"),
			n("run-x.train", "train", "Pod", "Succeeded", "", "t2")), steps, "Succeeded: 2/2 steps done"},
		{"steps unknown: pods counted", workflow("Running", "",
			n("run-x", "run-x", "Steps", "Running", "", ""),
			n("run-x[0].a", "a", "Pod", "Succeeded", "", "t1"),
			n("run-x[1].b", "b", "Pod", "Running", "", "")), nil, "Running: 1/2 steps done (running: b)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := progress(c.wf, c.steps); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestFailure(t *testing.T) {
	// A retried step that failed twice: the last attempt's message speaks
	// for it; the DAG's and the Retry node's messages do not.
	wf := workflow("Failed", "child 'run-x-1' failed",
		n("run-x", "run-x", "DAG", "Failed", "child 'run-x-1' failed", "t9"),
		n("run-x.prepare", "prepare", "Pod", "Succeeded", "", "t1"),
		n("run-x.train", "train", "Retry", "Failed", "No more retries left", "t4"),
		n("run-x.train(0)", "train(0)", "Pod", "Failed", "Error (exit code 1): first", "t2"),
		n("run-x.train(1)", "train(1)", "Pod", "Failed", "Error (exit code 1): second", "t3"),
		n("run-x.register", "register", "Skipped", "Omitted", "omitted: depends condition not met", ""))
	steps, msg := failure(wf)
	if len(steps) != 1 || steps[0].Step != "train" || steps[0].Message != "Error (exit code 1): second" {
		t.Errorf("got %+v", steps)
	}
	if msg != "child 'run-x-1' failed" {
		t.Errorf("run message %q", msg)
	}

	// Two parallel steps failed: both, earliest first.
	wf = workflow("Failed", "",
		n("run-x.b", "b", "Pod", "Failed", "b broke", "t2"),
		n("run-x.a", "a", "Pod", "Error", "a broke", "t1"))
	if steps, _ := failure(wf); len(steps) != 2 || steps[0].Step != "a" || steps[1].Step != "b" {
		t.Errorf("got %+v", steps)
	}

	// No pod failed (a step could not be created): the failed node speaks.
	wf = workflow("Error", "invalid spec",
		n("run-x", "run-x", "DAG", "Error", "invalid spec", "t1"),
		n("run-x.train", "train", "Pod", "Succeeded", "", "t1"),
		n("run-x.eval", "eval", "Suspend", "Error", "could not start", "t2"))
	if steps, msg := failure(wf); len(steps) != 1 || steps[0].Step != "eval" || msg != "invalid spec" {
		t.Errorf("got %+v, %q", steps, msg)
	}
}

func TestPipelineRef(t *testing.T) {
	for ref, want := range map[string]kube.ID{
		"ml/churn": {Namespace: "ml", Name: "churn"},
		"churn":    {Namespace: "default-ns", Name: "churn"},
	} {
		if got := splitPipeline(ref, "default-ns"); got != want {
			t.Errorf("%q: got %+v", ref, got)
		}
		if p := pipelineRefProblem(ref); p != "" {
			t.Errorf("%q: %s", ref, p)
		}
	}
	for _, bad := range []string{"", "/", "ml/", "/churn", "ml/churn/x", "ML/churn", "ml/Churn", "ml churn"} {
		if pipelineRefProblem(bad) == "" {
			t.Errorf("%q accepted", bad)
		}
	}
}
