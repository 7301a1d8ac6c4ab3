package pipelines_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/pipelines"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

const plAddr = "mlops_pipeline.test"

func get(t *testing.T, gvr schema.GroupVersionResource, ns, name string) (*unstructured.Unstructured, error) {
	return acctest.Kube(t).Resource(gvr).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
}

func checkPipelineDestroy(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "mlops_pipeline" {
				continue
			}
			for _, gvr := range []schema.GroupVersionResource{pipelines.WorkflowTemplateGVR, pipelines.CronWorkflowGVR} {
				_, err := get(t, gvr, rs.Primary.Attributes["namespace"], rs.Primary.Attributes["name"])
				if err == nil {
					return fmt.Errorf("%s %s still exists", gvr.Resource, rs.Primary.ID)
				}
				if !apierrors.IsNotFound(err) {
					return err
				}
			}
		}
		return nil
	}
}

const threeSteps = `
    { name = "prepare", image = "ghcr.io/acme/prep:1.4", command = ["python", "prep.py"] },
    {
      name       = "train"
      image      = "ghcr.io/acme/train:1.4"
      args       = ["--model", "{{workflow.parameters.model_name}}"]
      depends_on = ["prepare"]
      env        = { MLFLOW_TRACKING_URI = "http://mlflow.mlflow:5000" }
      resources  = { cpu = "2", memory = "8Gi", gpu = 1 }
      retries    = 2
      timeout    = "2h"
    },
    { name = "register", image = "ghcr.io/acme/register:1.4", depends_on = ["train"] },`

const nightly = `
  schedule = {
    cron               = ["0 3 * * *"]
    timezone           = "UTC"
    concurrency_policy = "Forbid"
    suspend            = %t
    starting_deadline  = "10m"
    successful_history = 3
    failed_history     = 1
  }`

func pipelineConfig(ns, steps, schedule string) string {
	return fmt.Sprintf(`
resource "mlops_pipeline" "test" {
  name            = "churn-retrain"
  namespace       = %q
  description     = "Nightly retraining of the churn model"
  service_account = "pipeline-runner"
  parameters      = { model_name = "churn", min_accuracy = "0.90" }
  steps = [%s
  ]
  %s
  labels = { team = "risk" }
}
`, ns, steps, schedule)
}

func TestAccPipeline_basic(t *testing.T) {
	ns := acctest.Namespace(t)
	withSchedule := pipelineConfig(ns, threeSteps, fmt.Sprintf(nightly, false))
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPipelineDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: withSchedule,
				ConfigStateChecks: []statecheck.StateCheck{
					lintAll{t},
					statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("id"), knownvalue.StringExact(ns+"/churn-retrain")),
					statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("workflow_template"), knownvalue.StringExact("churn-retrain")),
					statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("cron_workflow"), knownvalue.StringExact("churn-retrain")),
					statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("steps"), knownvalue.ListSizeExact(3)),
					statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("steps").AtSliceIndex(1).AtMapKey("timeout"), knownvalue.StringExact("2h")),
					acctest.LiveCheck(func() error {
						tmpl, err := get(t, pipelines.WorkflowTemplateGVR, ns, "churn-retrain")
						if err != nil {
							return err
						}
						entry, _, _ := unstructured.NestedString(tmpl.Object, "spec", "entrypoint")
						templates, _, _ := unstructured.NestedSlice(tmpl.Object, "spec", "templates")
						params, _, _ := unstructured.NestedSlice(tmpl.Object, "spec", "arguments", "parameters")
						sa, _, _ := unstructured.NestedString(tmpl.Object, "spec", "serviceAccountName")
						if len(templates) != 4 || len(params) != 2 || sa != "pipeline-runner" {
							return fmt.Errorf("template: entrypoint %q, %d templates, %d parameters, sa %q", entry, len(templates), len(params), sa)
						}
						train := templates[2].(map[string]any)
						deadline, _, _ := unstructured.NestedInt64(train, "activeDeadlineSeconds")
						limit, _, _ := unstructured.NestedInt64(train, "retryStrategy", "limit")
						gpu, _, _ := unstructured.NestedString(train, "container", "resources", "limits", "nvidia.com/gpu")
						if deadline != 7200 || limit != 2 || gpu != "1" {
							return fmt.Errorf("train template %v", train)
						}
						cron, err := get(t, pipelines.CronWorkflowGVR, ns, "churn-retrain")
						if err != nil {
							return err
						}
						ref, _, _ := unstructured.NestedString(cron.Object, "spec", "workflowSpec", "workflowTemplateRef", "name")
						schedules, _, _ := unstructured.NestedStringSlice(cron.Object, "spec", "schedules")
						deadlineS, _, _ := unstructured.NestedInt64(cron.Object, "spec", "startingDeadlineSeconds")
						if ref != "churn-retrain" || fmt.Sprint(schedules) != "[0 3 * * *]" || deadlineS != 600 || cron.GetLabels()["team"] != "risk" {
							return fmt.Errorf("cron workflow spec %v", cron.Object["spec"])
						}
						return nil
					}),
				},
			},
			{
				// Argo's controller writes a CronWorkflow's status only when
				// it fires (on the object itself: there is no status
				// subresource), so until then last_scheduled_time is null,
				// and there is no diff.
				Config:           withSchedule,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					lintAll{t},
					statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("last_scheduled_time"), knownvalue.Null()),
				},
			},
			{
				ResourceName:            plAddr,
				ImportState:             true,
				ImportStateId:           ns + "/churn-retrain",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts", "last_scheduled_time"},
			},
			{
				// Adding a step is an in-place update.
				Config: pipelineConfig(ns, threeSteps+`
    { name = "report", image = "ghcr.io/acme/report:1.0", depends_on = ["register"] },`, fmt.Sprintf(nightly, false)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(plAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					lintAll{t},
					statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("steps"), knownvalue.ListSizeExact(4)),
					acctest.LiveCheck(func() error {
						tmpl, err := get(t, pipelines.WorkflowTemplateGVR, ns, "churn-retrain")
						if err != nil {
							return err
						}
						templates, _, _ := unstructured.NestedSlice(tmpl.Object, "spec", "templates")
						if len(templates) != 5 {
							return fmt.Errorf("%d templates, want 5", len(templates))
						}
						return nil
					}),
				},
			},
			{
				// Suspending is an in-place update.
				Config: pipelineConfig(ns, threeSteps, fmt.Sprintf(nightly, true)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(plAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					lintAll{t},
					statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("schedule").AtMapKey("suspend"), knownvalue.Bool(true)),
					acctest.LiveCheck(func() error {
						cron, err := get(t, pipelines.CronWorkflowGVR, ns, "churn-retrain")
						if err != nil {
							return err
						}
						if s, _, _ := unstructured.NestedBool(cron.Object, "spec", "suspend"); !s {
							return fmt.Errorf("live CronWorkflow not suspended")
						}
						return nil
					}),
				},
			},
		},
	})
}

// Removing the schedule deletes the CronWorkflow and keeps the template;
// adding it back creates it. A pipeline can start without a schedule.
func TestAccPipeline_schedule(t *testing.T) {
	ns := acctest.Namespace(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPipelineDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: pipelineConfig(ns, threeSteps, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					lintAll{t},
					statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("cron_workflow"), knownvalue.Null()),
					statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("schedule"), knownvalue.Null()),
					checkCronExists(t, ns, false),
				},
			},
			{
				Config: pipelineConfig(ns, threeSteps, fmt.Sprintf(nightly, false)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(plAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					lintAll{t},
					statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("cron_workflow"), knownvalue.StringExact("churn-retrain")),
					checkCronExists(t, ns, true),
				},
			},
			{
				Config: pipelineConfig(ns, threeSteps, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(plAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					lintAll{t},
					statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("cron_workflow"), knownvalue.Null()),
					checkCronExists(t, ns, false),
					acctest.LiveCheck(func() error {
						_, err := get(t, pipelines.WorkflowTemplateGVR, ns, "churn-retrain")
						return err
					}),
				},
			},
			{
				Config: pipelineConfig(ns, threeSteps, fmt.Sprintf(nightly, false)),
				ConfigStateChecks: []statecheck.StateCheck{
					lintAll{t},
					checkCronExists(t, ns, true),
				},
			},
		},
	})
}

func checkCronExists(t *testing.T, ns string, want bool) statecheck.StateCheck {
	return acctest.LiveCheck(func() error {
		_, err := get(t, pipelines.CronWorkflowGVR, ns, "churn-retrain")
		switch {
		case want && err != nil:
			return fmt.Errorf("the CronWorkflow should exist: %w", err)
		case !want && err == nil:
			return fmt.Errorf("the CronWorkflow should not exist")
		case !want && !apierrors.IsNotFound(err):
			return err
		}
		return nil
	})
}

// Edits of either object outside Terraform on managed fields show as a diff;
// a CronWorkflow deleted outside Terraform is planned for creation.
func TestAccPipeline_drift(t *testing.T) {
	ns := acctest.Namespace(t)
	cfg := pipelineConfig(ns, threeSteps, fmt.Sprintf(nightly, false))
	patch := func(gvr schema.GroupVersionResource, p map[string]any) {
		data, _ := json.Marshal(p)
		if _, err := acctest.Kube(t).Resource(gvr).Namespace(ns).Patch(context.Background(), "churn-retrain", types.MergePatchType, data,
			metav1.PatchOptions{FieldManager: "kubectl-edit"}); err != nil {
			t.Fatal(err)
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPipelineDestroy(t),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					patch(pipelines.WorkflowTemplateGVR, map[string]any{"spec": map[string]any{"serviceAccountName": "someone-else"}})
					patch(pipelines.CronWorkflowGVR, map[string]any{"spec": map[string]any{"schedules": []string{"0 4 * * *"}}})
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(plAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					lintAll{t},
					acctest.LiveCheck(func() error {
						tmpl, _ := get(t, pipelines.WorkflowTemplateGVR, ns, "churn-retrain")
						cron, _ := get(t, pipelines.CronWorkflowGVR, ns, "churn-retrain")
						sa, _, _ := unstructured.NestedString(tmpl.Object, "spec", "serviceAccountName")
						sch, _, _ := unstructured.NestedStringSlice(cron.Object, "spec", "schedules")
						if sa != "pipeline-runner" || fmt.Sprint(sch) != "[0 3 * * *]" {
							return fmt.Errorf("drift not undone: sa %q schedules %v", sa, sch)
						}
						return nil
					}),
				},
			},
			{
				PreConfig: func() {
					if err := acctest.Kube(t).Resource(pipelines.CronWorkflowGVR).Namespace(ns).Delete(context.Background(), "churn-retrain", metav1.DeleteOptions{}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(plAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(plAddr, tfjsonpath.New("cron_workflow"), knownvalue.StringExact("churn-retrain")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{lintAll{t}, checkCronExists(t, ns, true)},
			},
		},
	})
}

func TestAccPipeline_disappears(t *testing.T) {
	ns := acctest.Namespace(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPipelineDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: pipelineConfig(ns, threeSteps, fmt.Sprintf(nightly, false)),
				Check: func(*terraform.State) error {
					for _, gvr := range []schema.GroupVersionResource{pipelines.CronWorkflowGVR, pipelines.WorkflowTemplateGVR} {
						if err := acctest.Kube(t).Resource(gvr).Namespace(ns).Delete(context.Background(), "churn-retrain", metav1.DeleteOptions{}); err != nil {
							return err
						}
					}
					return nil
				},
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(plAddr, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

func TestAccPipeline_validation(t *testing.T) {
	cfg := func(steps, extra string) string {
		return fmt.Sprintf("resource \"mlops_pipeline\" \"test\" {\n  name = \"p\"\n  steps = [%s]\n%s\n}\n", steps, extra)
	}
	ok := `{ name = "a", image = "i" }`
	cases := []struct{ cfg, want string }{
		{cfg(`{ name = "a", image = "i" }, { name = "a", image = "j" }`, ""), `(?s)Invalid pipeline steps.*Step name "a" is used by steps 1\s+and 2`},
		{cfg(`{ name = "a", image = "i", depends_on = ["ghost"] }`, ""), `(?s)Invalid pipeline steps.*Step "a" depends on "ghost", which is not a\s+step`},
		{cfg(`{ name = "a", image = "i", depends_on = ["c"] }, { name = "b", image = "i", depends_on = ["a"] }, { name = "c", image = "i", depends_on = ["b"] }`, ""),
			`(?s)Dependency cycle in pipeline steps.*form a cycle: a -> c -> b -> a`},
		{cfg(ok, `  schedule = { cron = ["0 3 * *"] }`), `(?s)Invalid cron schedule.*"0 3 \* \*" is not a valid cron schedule`},
		{cfg(ok, `  schedule = { cron = ["0 3 * * *", "@fortnightly"] }`), `(?s)Invalid cron schedule.*"@fortnightly" is not a valid cron`},
		// Errors inside nested attributes point at the attribute that holds
		// them (Terraform cannot show a nested attribute's own line) and
		// name the full path.
		{cfg(ok, `  schedule = { cron = ["@daily"], timezone = "Mars/Olympus" }`), `(?s)Invalid time zone.*4:   schedule = \{.*schedule.timezone: "Mars/Olympus" is not an IANA time zone name`},
		{cfg(ok, `  schedule = { cron = ["@daily"], concurrency_policy = "Sometimes" }`), `(?s)concurrency_policy.*value must be one of`},
		{cfg(ok, `  schedule = { cron = ["@daily"], starting_deadline = "ten minutes" }`), `"ten minutes" is not a positive duration`},
		{cfg(`{ name = "a", image = "i", retries = -1 }`, ""), `(?s)3:   steps = \[.*steps\[0\].retries.*must be between 0 and\s+2147483647, got: -1`},
		{cfg(`{ name = "a", image = "i", retries = 99999999999999999999 }`, ""), `(?s)Invalid number.*3:   steps = \[.*steps\[0\].retries: 99999999999999999999 is too large`},
		{cfg(`{ name = "a", image = "i", resources = { cpu = "lots" } }`, ""), `(?s)Invalid resource quantity.*steps\[0\].resources.cpu: "lots" is not a Kubernetes quantity`},
		{cfg(`{ name = "a", image = "i", resources = { memory = "8GB" } }`, ""), `(?s)Invalid resource quantity.*steps\[0\].resources.memory: "8GB" is not a Kubernetes quantity`},
		{cfg(`{ name = "1-prepare", image = "i" }, { name = "train", image = "i", depends_on = ["1-prepare"] }`, ""), `(?s)Invalid pipeline steps.*steps\[0\].name: Step name "1-prepare" begins with a digit, which Argo refuses`},
		{cfg(ok, `  schedule = { cron = [" @daily"] }`), `(?s)Invalid cron schedule.*" @daily" has white space around it, which Argo refuses:\s+write "@daily"`},
		{cfg(`{ name = "a", image = "i", timeout = "400ms" }`, ""), `(?s)Step timeout too short.*steps\[0\].timeout: "400ms" rounds to 0 whole seconds`},
		{cfg(`{ name = "a", image = "i", resources = { memory = "Gi" } }`, ""), `(?s)Invalid resource quantity.*steps\[0\].resources.memory: "Gi" is not a Kubernetes quantity`},
		{cfg(`{ name = "a", image = "i", resources = { gpu = 9223372036854775807 } }`, ""), `(?s)Invalid GPU count.*steps\[0\].resources.gpu: 9223372036854775807 GPUs: give a count from 0 to 64`},
		{cfg(ok, `  trigger = { events = ["model_version.created"], model_name = "team/churn" }`), `(?s)Invalid model name.*4:   trigger = \{.*trigger.model_name: "team/churn" has '/' or ':'`},
		{cfg(`{ name = "a", image = "i", timeout = "two hours" }`, ""), `(?s)Invalid duration.*"two hours" is not a positive duration`},
		{cfg(`{ name = "Train Step", image = "i" }`, ""), `(?s)Invalid name.*3:   steps = \[.*steps\[0\].name: "Train Step" is not a DNS label`},
		{cfg(`{ name = "a", image = "i" }, { name = "Train_Model", image = "i" }`, ""), `(?s)Invalid name.*3:   steps = \[.*steps\[1\].name: "Train_Model" is not a DNS label`},
		{strings.Replace(cfg(ok, ""), `name = "p"`, `name = "Churn Retrain"`, 1), `(?s)Invalid name.*"Churn Retrain" is not a DNS label`},
		{cfg("", ""), `(?s)steps.*must contain at least 1 elements`},
		// Argo's own limits.
		{strings.Replace(cfg(ok, `  schedule = { cron = ["@daily"] }`), `name = "p"`, `name = "`+strings.Repeat("p", 53)+`"`, 1),
			`(?s)Pipeline name too long for a schedule.*at most 52 characters`},
		{cfg(ok, `  parameters = { "learning.rate" = "0.1" }`), `(?s)Invalid parameter name.*"learning.rate" is not a valid parameter name`},
	}
	steps := []resource.TestStep{{
		Config: cfg(ok, ""), ResourceName: plAddr, ImportState: true, ImportStateId: "just-a-name",
		ExpectError: regexp.MustCompile("(?s)The import ID of mlops_pipeline is\\s+`<namespace>/<name>`"),
	}}
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: c.cfg, PlanOnly: true, ExpectError: regexp.MustCompile(c.want)})
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

// workflowGVR is Argo's Workflow: one run of a pipeline.
var workflowGVR = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "workflows"}

// runPipeline submits a run of the pipeline's template, as `argo submit
// --from workflowtemplate/NAME` does, and waits until Argo's controller
// reports it finished. It returns the run.
func runPipeline(t *testing.T, ns, name string) (*unstructured.Unstructured, error) {
	run := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
		"metadata": map[string]any{"generateName": name + "-", "namespace": ns},
		"spec":     map[string]any{"workflowTemplateRef": map[string]any{"name": name}},
	}}
	created, err := acctest.Kube(t).Resource(workflowGVR).Namespace(ns).Create(context.Background(), run, metav1.CreateOptions{})
	if err != nil {
		return nil, err
	}
	return finished(t, ns, created.GetName())
}

// A run of the pipeline's template, submitted as Argo's CLI would, runs to
// Succeeded on Argo's real controller, with one pod per step, in the order
// of the steps' dependencies.
func TestAccPipeline_run(t *testing.T) {
	ns := acctest.Namespace(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPipelineDestroy(t),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "mlops_pipeline" "test" {
  name       = "train-twice"
  namespace  = %q
  parameters = { model_name = "churn" }
  steps = [
    { name = "prepare", image = "python:3.11-slim", command = ["python", "-c", "print('prepare')"] },
    {
      name       = "train"
      image      = "python:3.11-slim"
      command    = ["python", "-c", "print('train {{workflow.parameters.model_name}}')"]
      depends_on = ["prepare"]
      retries    = 1
      timeout    = "10m"
    },
  ]
}
`, ns),
			ConfigStateChecks: []statecheck.StateCheck{
				lintAll{t},
				acctest.LiveCheck(func() error {
					run, err := runPipeline(t, ns, "train-twice")
					if err != nil {
						return err
					}
					phase, _, _ := unstructured.NestedString(run.Object, "status", "phase")
					if phase != "Succeeded" {
						msg, _, _ := unstructured.NestedString(run.Object, "status", "message")
						return fmt.Errorf("the run ended %s: %s", phase, msg)
					}
					pods, err := acctest.Core(t).CoreV1().Pods(ns).List(context.Background(),
						metav1.ListOptions{LabelSelector: "workflows.argoproj.io/workflow=" + run.GetName()})
					if err != nil {
						return err
					}
					var steps []string
					for _, p := range pods.Items {
						if p.Status.Phase != "Succeeded" {
							return fmt.Errorf("pod %s is %s", p.Name, p.Status.Phase)
						}
						steps = append(steps, p.Annotations["workflows.argoproj.io/node-name"])
					}
					if len(steps) != 2 {
						return fmt.Errorf("want one pod per step, got %v", steps)
					}
					nodes, _, _ := unstructured.NestedMap(run.Object, "status", "nodes")
					var prepared, trained string
					for _, n := range nodes {
						node, _ := n.(map[string]any)
						switch node["displayName"] {
						case "prepare":
							prepared, _ = node["finishedAt"].(string)
						case "train":
							trained, _ = node["startedAt"].(string)
						}
					}
					if prepared == "" || trained == "" || trained < prepared {
						return fmt.Errorf("train started at %q, before prepare finished at %q", trained, prepared)
					}
					return nil
				}),
			},
		}},
	})
}

// A schedule that fires: Argo's controller starts a run from the template
// and records lastScheduledTime, which the next refresh reports.
func TestAccPipeline_scheduleFires(t *testing.T) {
	ns := acctest.Namespace(t)
	cfg := fmt.Sprintf(`
resource "mlops_pipeline" "test" {
  name      = "every-minute"
  namespace = %q
  steps     = [{ name = "tick", image = "busybox:1.36", command = ["true"] }]
  schedule  = { cron = ["* * * * *"], concurrency_policy = "Forbid" }
}
`, ns)
	var fired string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPipelineDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					lintAll{t},
					statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("last_scheduled_time"), knownvalue.Null()),
				},
			},
			{
				// Wait for the next minute: Argo fires the schedule.
				PreConfig: func() {
					if err := acctest.Eventually(100*time.Second, func() error {
						cron, err := get(t, pipelines.CronWorkflowGVR, ns, "every-minute")
						if err != nil {
							return err
						}
						fired, _, _ = unstructured.NestedString(cron.Object, "status", "lastScheduledTime")
						if fired == "" {
							return fmt.Errorf("the schedule has not fired")
						}
						return nil
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					lintAll{t},
					statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("last_scheduled_time"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$`))),
					acctest.LiveCheck(func() error {
						runs, err := acctest.Kube(t).Resource(workflowGVR).Namespace(ns).List(context.Background(),
							metav1.ListOptions{LabelSelector: "workflows.argoproj.io/cron-workflow=every-minute"})
						if err != nil {
							return err
						}
						if len(runs.Items) == 0 {
							return fmt.Errorf("the schedule fired at %s but started no run", fired)
						}
						return nil
					}),
				},
			},
		},
	})
}

// A create that finds one of the pipeline's objects there already (here
// only a CronWorkflow, made outside Terraform) is refused on `name` with the
// import command, before it creates any object.
func TestAccPipeline_existsAlready(t *testing.T) {
	ns := acctest.Namespace(t)
	id := regexp.QuoteMeta(ns + "/orphan")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPipelineDestroy(t),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				cron := &unstructured.Unstructured{Object: map[string]any{
					"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow", "metadata": map[string]any{"name": "orphan"},
					"spec": map[string]any{"schedules": []any{"0 3 * * *"},
						"workflowSpec": map[string]any{"workflowTemplateRef": map[string]any{"name": "orphan"}}},
				}}
				if _, err := acctest.Kube(t).Resource(pipelines.CronWorkflowGVR).Namespace(ns).Create(context.Background(), cron, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			Config: fmt.Sprintf(`
resource "mlops_pipeline" "test" {
  name      = "orphan"
  namespace = %q
  steps     = [{ name = "train", image = "busybox:1.36", command = ["true"] }]
  schedule  = { cron = ["0 3 * * *"] }
}
`, ns),
			ExpectError: regexp.MustCompile(`(?s)The CronWorkflow\s+` + id + `\s+exists\s+already\.\s+Import\s+the\s+pipeline\s+with\s+.terraform\s+import\s+<address>\s+` + id + `.`),
		}},
	})
	_, err := acctest.Kube(t).Resource(pipelines.WorkflowTemplateGVR).Namespace(ns).Get(context.Background(), "orphan", metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("the refused create left a WorkflowTemplate (or it could not be read): %v", err)
	}
}

// A CronWorkflow made before Argo 3.6 has the singular spec.schedule. Once a
// pipeline takes it over, the legacy field is cleared: Argo refuses a
// CronWorkflow with both (it logs a SpecError and stops scheduling it), so
// the proof is that Argo fires the schedule afterwards.
func TestAccPipeline_importLegacySchedule(t *testing.T) {
	ns := acctest.Namespace(t)
	create := func(obj map[string]any, gvr schema.GroupVersionResource) {
		if _, err := acctest.Kube(t).Resource(gvr).Namespace(ns).Create(context.Background(), &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf(`
resource "mlops_pipeline" "test" {
  name      = "legacy"
  namespace = %q
  steps     = [{ name = "train", image = "busybox:1.36", command = ["true"] }]
  schedule  = { cron = ["* * * * *"], concurrency_policy = "Forbid" }
}
`, ns)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPipelineDestroy(t),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					create(map[string]any{
						"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": map[string]any{"name": "legacy"},
						"spec": map[string]any{"entrypoint": "main", "templates": []any{map[string]any{
							"name": "main", "container": map[string]any{"image": "busybox:1.36", "command": []any{"true"}}}}},
					}, pipelines.WorkflowTemplateGVR)
					create(map[string]any{
						"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow", "metadata": map[string]any{"name": "legacy"},
						"spec": map[string]any{"schedule": "* * * * *", "concurrencyPolicy": "Forbid",
							"workflowSpec": map[string]any{"workflowTemplateRef": map[string]any{"name": "legacy"}}},
					}, pipelines.CronWorkflowGVR)
				},
				Config:        cfg,
				ResourceName:  plAddr,
				ImportState:   true,
				ImportStateId: ns + "/legacy",
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if got := states[0].Attributes["schedule.cron.0"]; got != "* * * * *" {
						return fmt.Errorf("the imported schedule reads %q, want the legacy schedule", got)
					}
					return nil
				},
				ImportStatePersist: true,
			},
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					lintAll{t},
					acctest.LiveCheck(func() error {
						return acctest.Eventually(100*time.Second, func() error {
							cron, err := get(t, pipelines.CronWorkflowGVR, ns, "legacy")
							if err != nil {
								return err
							}
							legacy, _, _ := unstructured.NestedString(cron.Object, "spec", "schedule")
							schedules, _, _ := unstructured.NestedStringSlice(cron.Object, "spec", "schedules")
							fired, _, _ := unstructured.NestedString(cron.Object, "status", "lastScheduledTime")
							conds, _, _ := unstructured.NestedSlice(cron.Object, "status", "conditions")
							if legacy != "" || fmt.Sprint(schedules) != "[* * * * *]" || fired == "" || len(conds) > 0 {
								return fmt.Errorf("live CronWorkflow: schedule %q schedules %v; Argo fired at %q with conditions %v", legacy, schedules, fired, conds)
							}
							return nil
						})
					}),
				},
			},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}
