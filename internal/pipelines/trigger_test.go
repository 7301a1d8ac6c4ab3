package pipelines_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/pipelines"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// acceptEvents does what Argo's server needs of a namespace before it takes
// events posted without an Authorization header (MLflow's webhooks cannot
// send one): the Secret argo-workflows-webhook-clients must exist. Empty, it
// lists no webhook client, and with --auth-mode=server the server submits
// the runs with its own account.
func acceptEvents(t *testing.T, ns string) {
	_, err := acctest.Core(t).CoreV1().Secrets(ns).Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "argo-workflows-webhook-clients"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

// argoServer is the URL of Argo's server on the local cluster
// (scripts/kube-server.sh), which takes the events.
func argoServer(t *testing.T) string {
	u := os.Getenv("MLOPS_ARGO_SERVER")
	if u == "" {
		t.Fatal("MLOPS_ARGO_SERVER is not set: the feedback-loop tests need Argo's server (scripts/kube-server.sh starts it; scripts/test.sh exports it)")
	}
	return u
}

// loopConfig is a model, an evaluation pipeline triggered by new versions
// of modelFilter, and the registry webhook that delivers to the pipeline's
// event path on Argo's server.
func loopConfig(ns, model, pipeline, modelFilter, server string) string {
	return fmt.Sprintf(`
resource "mlops_pipeline" %[3]q {
  name       = %[3]q
  namespace  = %[1]q
  parameters = { model = "none", version = "0" }
  steps = [
    { name = "evaluate", image = "busybox:1.36", command = ["echo", "evaluate {{workflow.parameters.model}} v{{workflow.parameters.version}}"] },
  ]
  trigger = {
    events     = ["model_version.created"]
    model_name = %[4]q
    parameters = { model = "name", version = "version" }
  }
}

resource "mlops_registry_webhook" %[3]q {
  name   = %[3]q
  url    = "%[5]s${mlops_pipeline.%[3]s.event_path}"
  events = ["model_version.created"]
  secret = "loop-secret"
}
`, ns, model, pipeline, modelFilter, server)
}

// runsOf lists the runs that the binding of pipeline submitted.
func runsOf(t *testing.T, ns, pipeline string) []unstructured.Unstructured {
	list, err := acctest.Kube(t).Resource(workflowGVR).Namespace(ns).List(context.Background(),
		metav1.ListOptions{LabelSelector: "workflows.argoproj.io/workflow-event-binding=" + pipeline})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// registerVersion registers a new version of model, as a training run would.
func registerVersion(t *testing.T, model string) string {
	runs := acctest.LoggedRuns(t)
	mv, err := acctest.MLflow(t).CreateModelVersion(acctest.Context(t), mlflow.CreateModelVersionInput{Name: model, Source: runs[0].ModelURI, RunID: runs[0].RunID})
	if err != nil {
		t.Fatal(err)
	}
	return mv.Version
}

// The feedback loop: a version registered in the real MLflow is delivered,
// signed, by MLflow's webhook to Argo's real server; the pipeline's
// WorkflowEventBinding submits a run with the version as a parameter; Argo's
// real controller runs it to Succeeded.
func TestAccPipeline_triggerLoop(t *testing.T) {
	ns := acctest.Namespace(t)
	acceptEvents(t, ns)
	model := acctest.RandomName("loop")
	server := argoServer(t)
	cfg := fmt.Sprintf("resource \"mlops_registered_model\" \"m\" {\n  name = %q\n  force_destroy = true\n}\n", model) +
		loopConfig(ns, model, "evaluate", model, server)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t); acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPipelineDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					// The path is known at plan time, so the webhook's URL is too.
					plancheck.ExpectKnownValue("mlops_pipeline.evaluate", tfjsonpath.New("event_path"), knownvalue.StringExact("/api/v1/events/"+ns+"/evaluate")),
					plancheck.ExpectKnownValue("mlops_registry_webhook.evaluate", tfjsonpath.New("url"), knownvalue.StringExact(server+"/api/v1/events/"+ns+"/evaluate")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					lintAll{t},
					acctest.LiveCheck(func() error {
						b, err := get(t, pipelines.EventBindingGVR, ns, "evaluate")
						if err != nil {
							return err
						}
						sel, _, _ := unstructured.NestedString(b.Object, "spec", "event", "selector")
						if !regexp.MustCompile(`payload\.data\.name == "` + model + `"`).MatchString(sel) {
							return fmt.Errorf("binding selector %q", sel)
						}
						version := registerVersion(t, model)
						var run unstructured.Unstructured
						if err := acctest.Eventually(90*time.Second, func() error {
							runs := runsOf(t, ns, "evaluate")
							if len(runs) != 1 {
								return fmt.Errorf("%d runs submitted by the registry event", len(runs))
							}
							run = runs[0]
							if phase, _, _ := unstructured.NestedString(run.Object, "status", "phase"); phase != "Succeeded" {
								return fmt.Errorf("the run %s is %q", run.GetName(), phase)
							}
							return nil
						}); err != nil {
							return err
						}
						params, _, _ := unstructured.NestedSlice(run.Object, "spec", "arguments", "parameters")
						got := map[string]string{}
						for _, p := range params {
							m, _ := p.(map[string]any)
							n, _ := m["name"].(string)
							v, _ := m["value"].(string)
							got[n] = v
						}
						if got["version"] != version || got["model"] != model {
							return fmt.Errorf("the run's parameters %v, want model %s version %s", got, model, version)
						}
						return nil
					}),
				},
			},
			{
				ResourceName:            "mlops_pipeline.evaluate",
				ImportState:             true,
				ImportStateId:           ns + "/evaluate",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// Removing the trigger deletes the binding and keeps the template.
				Config: fmt.Sprintf("resource \"mlops_registered_model\" \"m\" {\n  name = %q\n  force_destroy = true\n}\n", model) + fmt.Sprintf(`
resource "mlops_pipeline" "evaluate" {
  name       = "evaluate"
  namespace  = %q
  parameters = { model = "none", version = "0" }
  steps      = [{ name = "evaluate", image = "busybox:1.36", command = ["true"] }]
}
`, ns),
				ConfigStateChecks: []statecheck.StateCheck{
					lintAll{t},
					statecheck.ExpectKnownValue("mlops_pipeline.evaluate", tfjsonpath.New("event_path"), knownvalue.Null()),
					acctest.LiveCheck(func() error {
						if _, err := get(t, pipelines.EventBindingGVR, ns, "evaluate"); err == nil {
							return fmt.Errorf("the binding is still there")
						}
						return nil
					}),
				},
			},
		},
	})
}

// A trigger whose filter does not match submits nothing: of two pipelines
// that receive the same delivery, only the matching one runs.
func TestAccPipeline_triggerFilter(t *testing.T) {
	ns := acctest.Namespace(t)
	acceptEvents(t, ns)
	model := acctest.RandomName("loop")
	server := argoServer(t)
	cfg := fmt.Sprintf("resource \"mlops_registered_model\" \"m\" {\n  name = %q\n  force_destroy = true\n}\n", model) +
		loopConfig(ns, model, "matching", model, server) +
		loopConfig(ns, model, "other-model", model+"-other", server)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t); acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPipelineDestroy(t),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				lintAll{t},
				acctest.LiveCheck(func() error {
					registerVersion(t, model)
					if err := acctest.Eventually(90*time.Second, func() error {
						if n := len(runsOf(t, ns, "matching")); n != 1 {
							return fmt.Errorf("the matching pipeline has %d runs", n)
						}
						return nil
					}); err != nil {
						return err
					}
					// Both webhooks delivered the same event at once; give the
					// other binding the same time again before looking.
					time.Sleep(3 * time.Second)
					if n := len(runsOf(t, ns, "other-model")); n != 0 {
						return fmt.Errorf("the pipeline filtered on another model ran %d times", n)
					}
					return nil
				}),
			},
		}},
	})
}
