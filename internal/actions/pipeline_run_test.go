package actions_test

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/actions"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/pipelines"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// submitted matches the first progress message and captures the run's name.
var submitted = regexp.MustCompile(`^Submitted run ([a-z0-9-]+)/([a-z0-9-]+) of pipeline ([a-z0-9-]+/[a-z0-9-]+)$`)

// runOf returns the run that an invocation submitted, read from the cluster.
func runOf(t *testing.T, inv invocation, ns string) (*unstructured.Unstructured, error) {
	t.Helper()
	if len(inv.progress) == 0 {
		return nil, fmt.Errorf("no progress message")
	}
	m := submitted.FindStringSubmatch(inv.progress[0])
	if m == nil || m[1] != ns {
		return nil, fmt.Errorf("the first progress message %q does not name the run in %s", inv.progress[0], ns)
	}
	return acctest.Kube(t).Resource(actions.WorkflowGVR).Namespace(ns).Get(context.Background(), m[2], metav1.GetOptions{})
}

// checkProgress checks the messages after "Submitted": each says something
// new, steps done never go down, and the last is want.
func checkProgress(msgs []string, want string) error {
	done := regexp.MustCompile(`^(Pending|Running|Succeeded|Failed|Error): (\d+)/(\d+) steps done`)
	prev := -1
	for i, msg := range msgs[1:] {
		if msg == msgs[i] {
			return fmt.Errorf("progress message %q sent twice in a row", msg)
		}
		m := done.FindStringSubmatch(msg)
		if m == nil {
			return fmt.Errorf("progress message %q is not `<phase>: <n>/<m> steps done`", msg)
		}
		n, _ := strconv.Atoi(m[2])
		if n < prev {
			return fmt.Errorf("steps done went down from %d to %d: %q", prev, n, msgs)
		}
		prev = n
	}
	if last := msgs[len(msgs)-1]; last != want {
		return fmt.Errorf("the last progress message is %q, want %q (all: %q)", last, want, msgs)
	}
	return nil
}

// A run of a pipeline that mlops_pipeline made (applied by Terraform 1.5.7
// through resource.Test), invoked at the protocol level: the action
// submits a Workflow of the template with the parameter sent, Argo's real
// controller runs both steps on the kwok node, progress reports the phases
// and steps done, and the pods ran with the parameter sent and the
// pipeline's default for the one not sent. Then, with wait = false and the
// pipeline named by its name alone in the provider's namespace, the action
// ends as soon as the run is submitted.
func TestAccPipelineRunAction_succeeds(t *testing.T) {
	ns := acctest.Namespace(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "mlops_pipeline" "retrain" {
  name       = "churn-retrain"
  namespace  = %q
  parameters = { model_name = "churn", epochs = "3" }
  steps = [
    { name = "prepare", image = "python:3.11-slim", command = ["python", "-c", "print('prepare {{workflow.parameters.model_name}}')"] },
    {
      name       = "train"
      image      = "python:3.11-slim"
      command    = ["python", "train.py"]
      args       = ["--model", "{{workflow.parameters.model_name}}", "--epochs", "{{workflow.parameters.epochs}}"]
      depends_on = ["prepare"]
    },
  ]
}
`, ns),
			ConfigStateChecks: []statecheck.StateCheck{
				acctest.LiveCheck(func() error { return runAndCheck(t, ns) }),
				acctest.LiveCheck(func() error { return submitWithoutWaiting(t, ns) }),
			},
		}},
	})
}

func runAndCheck(t *testing.T, ns string) error {
	p := newServer(t)
	p.configure(nil)
	inv := p.invoke("mlops_pipeline_run", map[string]tftypes.Value{
		"pipeline":   str(ns + "/churn-retrain"),
		"parameters": strMap(map[string]string{"model_name": "fraud"}),
	})
	if hasError(inv.diags) {
		return fmt.Errorf("the run failed: %s", diagText(inv.diags))
	}
	if err := checkProgress(inv.progress, "Succeeded: 2/2 steps done"); err != nil {
		return err
	}
	sawRunning := false
	for _, msg := range inv.progress {
		sawRunning = sawRunning || strings.HasPrefix(msg, "Running: ")
	}
	if !sawRunning {
		return fmt.Errorf("no progress message reported the run Running: %q", inv.progress)
	}
	if m := submitted.FindStringSubmatch(inv.progress[0]); m == nil || m[3] != ns+"/churn-retrain" {
		return fmt.Errorf("the first progress message %q does not name the pipeline", inv.progress[0])
	}

	run, err := runOf(t, inv, ns)
	if err != nil {
		return err
	}
	if phase, _, _ := unstructured.NestedString(run.Object, "status", "phase"); phase != "Succeeded" {
		return fmt.Errorf("the run %s is %q on the cluster, want Succeeded", run.GetName(), phase)
	}
	if ref, _, _ := unstructured.NestedString(run.Object, "spec", "workflowTemplateRef", "name"); ref != "churn-retrain" {
		return fmt.Errorf("the run refers to template %q", ref)
	}
	params, _, _ := unstructured.NestedSlice(run.Object, "spec", "arguments", "parameters")
	if want := []any{map[string]any{"name": "model_name", "value": "fraud"}}; !reflect.DeepEqual(params, want) {
		return fmt.Errorf("the run's parameters are %v, want %v", params, want)
	}
	if got := run.GetAnnotations()[actions.AnnotationSubmittedBy]; got == "" {
		return fmt.Errorf("the run lacks the annotation %s", actions.AnnotationSubmittedBy)
	}

	// What the steps' pods ran: the parameter sent, and the default of the
	// one not sent.
	pods, err := acctest.Core(t).CoreV1().Pods(ns).List(context.Background(),
		metav1.ListOptions{LabelSelector: "workflows.argoproj.io/workflow=" + run.GetName()})
	if err != nil {
		return err
	}
	ran := map[string]string{}
	for _, pod := range pods.Items {
		for _, c := range pod.Spec.Containers {
			if c.Name == "main" {
				// Argo's executor runs the step's command: `argoexec emissary ... -- <command> <args>`.
				_, cmd, _ := strings.Cut(strings.Join(append(c.Command, c.Args...), " "), " -- ")
				ran[strings.TrimPrefix(pod.Annotations["workflows.argoproj.io/node-name"], run.GetName()+".")] = cmd
			}
		}
		if pod.Status.Phase != "Succeeded" {
			return fmt.Errorf("pod %s is %s", pod.Name, pod.Status.Phase)
		}
	}
	want := map[string]string{
		"prepare": "python -c print('prepare fraud')",
		"train":   "python train.py --model fraud --epochs 3",
	}
	if !reflect.DeepEqual(ran, want) {
		return fmt.Errorf("the steps ran %q, want %q", ran, want)
	}
	return nil
}

func submitWithoutWaiting(t *testing.T, ns string) error {
	p := newServer(t)
	p.configure(map[string]tftypes.Value{"namespace": str(ns)})
	inv := p.invoke("mlops_pipeline_run", map[string]tftypes.Value{"pipeline": str("churn-retrain"), "wait": boolean(false)})
	if len(inv.diags) > 0 {
		return fmt.Errorf("unexpected diagnostics: %s", diagText(inv.diags))
	}
	if len(inv.progress) != 1 {
		return fmt.Errorf("want only the submission reported, got %q", inv.progress)
	}
	run, err := runOf(t, inv, ns)
	if err != nil {
		return err
	}
	if params, found, _ := unstructured.NestedSlice(run.Object, "spec", "arguments", "parameters"); found {
		return fmt.Errorf("no parameters were sent, but the run has %v", params)
	}
	return nil
}

// createTemplate creates a WorkflowTemplate of mlops_pipeline's shape
// (pipelines.Templates) with the dynamic client; change adjusts its
// templates first (to add what mlops_pipeline cannot write, such as a
// step's pod annotation).
func createTemplate(t *testing.T, ns, name string, steps []pipelines.Step, change func(templates []any)) {
	t.Helper()
	templates := pipelines.Templates(steps, nil)
	if change != nil {
		change(templates)
	}
	tmpl := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec":     map[string]any{"entrypoint": "pipeline", "templates": templates},
	}}
	if _, err := acctest.Kube(t).Resource(pipelines.WorkflowTemplateGVR).Namespace(ns).Create(context.Background(), tmpl, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the WorkflowTemplate %s/%s: %v", ns, name, err)
	}
}

// A step that fails (its pod annotated test.mlops.dev/pod-fault: crash, so
// kwok ends it with exit code 1 and a message) fails the invocation with
// that step's name and message; the step after it never runs. A run that
// cannot finish in time fails with the run's name and phase, and a
// pipeline that does not exist fails on the attribute.
func TestAccPipelineRunAction_fails(t *testing.T) {
	acctest.PreCheckKube(t)
	ns := acctest.Namespace(t)
	p := newServer(t)
	p.configure(nil)

	t.Run("failing step", func(t *testing.T) {
		p.t = t
		createTemplate(t, ns, "flaky", []pipelines.Step{
			{Name: "prepare", Image: "busybox:1.36", Command: []string{"true"}},
			{Name: "train", Image: "busybox:1.36", Command: []string{"false"}, DependsOn: []string{"prepare"}},
			{Name: "register", Image: "busybox:1.36", Command: []string{"true"}, DependsOn: []string{"train"}},
		}, func(templates []any) {
			for _, tm := range templates {
				if m := tm.(map[string]any); m["name"] == "step-train" {
					m["metadata"] = map[string]any{"annotations": map[string]any{"test.mlops.dev/pod-fault": "crash"}}
				}
			}
		})
		inv := p.invoke("mlops_pipeline_run", map[string]tftypes.Value{"pipeline": str(ns + "/flaky")})
		d := oneError(t, inv.diags)
		t.Logf("%s: %s", d.Summary, d.Detail)
		if d.Summary != "Pipeline run failed" {
			t.Errorf("summary %q", d.Summary)
		}
		requireContains(t, "the error", d.Detail, ns+"/flaky-", `step "train" failed`,
			"the step exited with code 1 (fault injected by the test harness: test.mlops.dev/pod-fault=crash)")
		if err := checkProgress(inv.progress, "Failed: 1/3 steps done"); err != nil {
			t.Error(err)
		}
		run, err := runOf(t, inv, ns)
		if err != nil {
			t.Fatal(err)
		}
		if phase, _, _ := unstructured.NestedString(run.Object, "status", "phase"); phase != "Failed" {
			t.Errorf("the run is %q on the cluster, want Failed", phase)
		}
		pods, err := acctest.Core(t).CoreV1().Pods(ns).List(context.Background(),
			metav1.ListOptions{LabelSelector: "workflows.argoproj.io/workflow=" + run.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		if len(pods.Items) != 2 {
			t.Errorf("want pods for prepare and train only, got %d", len(pods.Items))
		}
	})

	t.Run("timeout", func(t *testing.T) {
		p.t = t
		// No node has the label the step asks for: its pod is never
		// scheduled, and the run stays Running.
		createTemplate(t, ns, "stuck", []pipelines.Step{{Name: "train", Image: "busybox:1.36", Command: []string{"sleep", "3600"}}}, func(templates []any) {
			for _, tm := range templates {
				if m := tm.(map[string]any); m["name"] == "step-train" {
					m["nodeSelector"] = map[string]any{"test.mlops.dev/no-such-node": "true"}
				}
			}
		})
		inv := p.invoke("mlops_pipeline_run", map[string]tftypes.Value{"pipeline": str(ns + "/stuck"), "timeout": str("4s")})
		d := oneError(t, inv.diags)
		t.Logf("%s: %s", d.Summary, d.Detail)
		requireContains(t, "the error", d.Detail, ns+"/stuck-", "did not finish within 4s", "goes on in the cluster", "argo stop -n "+ns, "Raise `timeout`")
		if _, err := runOf(t, inv, ns); err != nil {
			t.Errorf("the run should go on: %v", err)
		}
	})

	t.Run("no such pipeline", func(t *testing.T) {
		p.t = t
		inv := p.invoke("mlops_pipeline_run", map[string]tftypes.Value{"pipeline": str(ns + "/missing")})
		d := oneError(t, inv.diags)
		requireContains(t, "the error", d.Detail, "The pipeline "+ns+"/missing does not exist", "mlops_pipeline")
		if d.Attribute == nil || !d.Attribute.Equal(tftypes.NewAttributePath().WithAttributeName("pipeline")) {
			t.Errorf("the error is at %v, want pipeline", d.Attribute)
		}
		if len(inv.progress) != 0 {
			t.Errorf("nothing was submitted, yet progress says %q", inv.progress)
		}
	})
}
