package pipelines_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

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

	"github.com/mlopsprovider/terraform-provider-mlops/internal/acctest"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/pipelines"
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
				// The stand-in controller has written the CronWorkflow's status.
				Config:           withSchedule,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("last_scheduled_time"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))),
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
				ConfigStateChecks: []statecheck.StateCheck{checkCronExists(t, ns, true)},
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
		{cfg(ok, `  schedule = { cron = ["@daily"], timezone = "Mars/Olympus" }`), `(?s)Invalid time zone.*"Mars/Olympus" is not an IANA time zone name`},
		{cfg(ok, `  schedule = { cron = ["@daily"], concurrency_policy = "Sometimes" }`), `(?s)concurrency_policy.*value must be one of`},
		{cfg(ok, `  schedule = { cron = ["@daily"], starting_deadline = "ten minutes" }`), `"ten minutes" is not a positive duration`},
		{cfg(`{ name = "a", image = "i", retries = -1 }`, ""), `(?s)steps\[0\].retries.*must be at least 0, got: -1`},
		{cfg(`{ name = "a", image = "i", timeout = "two hours" }`, ""), `(?s)Invalid duration.*"two hours" is not a positive duration`},
		{cfg(`{ name = "Train_Model", image = "i" }`, ""), `(?s)Invalid name.*"Train_Model" is not a DNS label`},
		{strings.Replace(cfg(ok, ""), `name = "p"`, `name = "Churn Retrain"`, 1), `(?s)Invalid name.*"Churn Retrain" is not a DNS label`},
		{cfg("", ""), `(?s)steps.*must contain at least 1 elements`},
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
