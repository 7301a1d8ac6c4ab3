package serving_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/serving"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

const epAddr = "mlops_endpoint.test"

func preCheck(t *testing.T) {
	acctest.PreCheckKube(t)
	acctest.PreCheckMLflow(t)
}

func live(t *testing.T, ns, name string) *unstructured.Unstructured {
	t.Helper()
	obj, err := acctest.Kube(t).Resource(serving.InferenceServiceGVR).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading %s/%s: %v", ns, name, err)
	}
	return obj
}

// patch changes the live object outside Terraform, as kubectl edit would.
func patch(t *testing.T, ns, name string, p map[string]any) {
	t.Helper()
	data, _ := json.Marshal(p)
	_, err := acctest.Kube(t).Resource(serving.InferenceServiceGVR).Namespace(ns).Patch(context.Background(), name,
		types.MergePatchType, data, metav1.PatchOptions{FieldManager: "kubectl-edit"})
	if err != nil {
		t.Fatal(err)
	}
}

func checkEndpointDestroy(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "mlops_endpoint" {
				continue
			}
			_, err := acctest.Kube(t).Resource(serving.InferenceServiceGVR).Namespace(rs.Primary.Attributes["namespace"]).
				Get(context.Background(), rs.Primary.Attributes["name"], metav1.GetOptions{})
			if err == nil {
				return fmt.Errorf("InferenceService %s still exists", rs.Primary.ID)
			}
			if !apierrors.IsNotFound(err) {
				return err
			}
		}
		return nil
	}
}

// checkKServeObjectsGone checks that once the endpoint is destroyed, the
// garbage collector removes what KServe made of it.
func checkKServeObjectsGone(t *testing.T, ns, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		return acctest.Eventually(time.Minute, func() error {
			sel := metav1.ListOptions{LabelSelector: "serving.kserve.io/inferenceservice=" + name}
			deps, err := acctest.Core(t).AppsV1().Deployments(ns).List(context.Background(), sel)
			if err != nil {
				return err
			}
			svcs, err := acctest.Core(t).CoreV1().Services(ns).List(context.Background(), sel)
			if err != nil {
				return err
			}
			if n := len(deps.Items) + len(svcs.Items); n > 0 {
				return fmt.Errorf("%d Deployments and Services of %s/%s remain after destroy", n, ns, name)
			}
			return nil
		})
	}
}

// deployments returns the predictor Deployments KServe made for an
// endpoint, by name.
func deployments(t *testing.T, ns, name string) map[string]appsv1.Deployment {
	t.Helper()
	list, err := acctest.Core(t).AppsV1().Deployments(ns).List(context.Background(),
		metav1.ListOptions{LabelSelector: "serving.kserve.io/inferenceservice=" + name})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]appsv1.Deployment{}
	for _, d := range list.Items {
		out[d.Name] = d
	}
	return out
}

// Models the local cluster's kwok stages make fail (test/cluster/kwok-stages.yaml).
const (
	crashingModel = "s3://mlops-test-faults/crash"
	neverReady    = "s3://mlops-test-faults/not-ready"
)

func storageEndpoint(ns, name, uri, extra string) string {
	return fmt.Sprintf(`
resource "mlops_endpoint" "test" {
  name      = %q
  namespace = %q
  model = {
    storage_uri = %q
    format      = "sklearn"
  }
  %s
}
`, name, ns, uri, extra)
}

func TestAccEndpoint_basic(t *testing.T) {
	ns := acctest.Namespace(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             resource.ComposeTestCheckFunc(checkEndpointDestroy(t), checkKServeObjectsGone(t, ns, "churn")),
		Steps: []resource.TestStep{
			{
				Config: storageEndpoint(ns, "churn", "s3://models/churn/1", `scaling = { min_replicas = 1, max_replicas = 2 }
  labels      = { team = "risk" }
  annotations = { "prometheus.io/scrape" = "true" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("id"), knownvalue.StringExact(ns+"/churn")),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("ready"), knownvalue.Bool(true)),
					// KServe's URL in Standard mode: {name}-{namespace}.{ingressDomain}.
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("url"), knownvalue.StringExact("http://churn-"+ns+".example.com")),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("deployment_mode"), knownvalue.StringExact("Standard")),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("traffic"), knownvalue.MapExact(map[string]knownvalue.Check{"model": knownvalue.Int64Exact(100)})),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("model").AtMapKey("resolved_storage_uri"), knownvalue.StringExact("s3://models/churn/1")),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("model").AtMapKey("protocol"), knownvalue.StringExact("v2")),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("labels"), knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("risk")})),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("conditions"), knownvalue.ListPartial(map[int]knownvalue.Check{
						2: knownvalue.ObjectPartial(map[string]knownvalue.Check{"type": knownvalue.StringExact("Ready"), "status": knownvalue.StringExact("True")}),
					})),
					acctest.LiveCheck(func() error {
						// KServe made a Deployment whose pod runs on the kwok node,
						// with the labels and annotations copied onto it.
						pods, err := acctest.Core(t).CoreV1().Pods(ns).List(context.Background(),
							metav1.ListOptions{LabelSelector: "serving.kserve.io/inferenceservice=churn"})
						if err != nil {
							return err
						}
						if _, ok := deployments(t, ns, "churn")["churn-predictor"]; !ok || len(pods.Items) != 1 {
							return fmt.Errorf("want the Deployment churn-predictor and one pod, got %v and %d pods", deployments(t, ns, "churn"), len(pods.Items))
						}
						p := pods.Items[0]
						if p.Spec.NodeName != "kwok-node-0" || p.Status.Phase != "Running" || p.Labels["team"] != "risk" ||
							p.Annotations["prometheus.io/scrape"] != "true" || len(p.Spec.InitContainers) == 0 {
							return fmt.Errorf("the model's pod: node %q phase %q labels %v annotations %v init containers %d (want kwok-node-0, Running, team=risk, "+
								"the scrape annotation, and KServe's storage initializer)", p.Spec.NodeName, p.Status.Phase, p.Labels, p.Annotations, len(p.Spec.InitContainers))
						}
						return nil
					}),
				},
			},
			{
				// KServe's defaulting webhook added fields (the model's
				// resources and name): the provider does not manage them, so no diff.
				PreConfig: func() {
					obj := live(t, ns, "churn")
					if _, found, _ := unstructured.NestedFieldNoCopy(obj.Object, "spec", "predictor", "model", "resources"); !found {
						t.Fatal("KServe's webhook added no defaults: this test proves nothing without them")
					}
				},
				Config: storageEndpoint(ns, "churn", "s3://models/churn/1", `scaling = { min_replicas = 1, max_replicas = 2 }
  labels      = { team = "risk" }
  annotations = { "prometheus.io/scrape" = "true" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				ResourceName:            epAddr,
				ImportState:             true,
				ImportStateId:           ns + "/churn",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// Scaling changes in place; labels and annotations removed.
				Config: storageEndpoint(ns, "churn", "s3://models/churn/1", `scaling = { min_replicas = 2, max_replicas = 4, metric = "cpu", target = 80 }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(epAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("scaling").AtMapKey("max_replicas"), knownvalue.Int64Exact(4)),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("ready"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("labels"), knownvalue.Null()),
					acctest.LiveCheck(func() error {
						obj := live(t, ns, "churn")
						maxR, _, _ := unstructured.NestedInt64(obj.Object, "spec", "predictor", "maxReplicas")
						metric, _, _ := unstructured.NestedString(obj.Object, "spec", "predictor", "scaleMetric")
						if maxR != 4 || metric != "cpu" || obj.GetLabels()["team"] != "" {
							return fmt.Errorf("live maxReplicas %d scaleMetric %q labels %v", maxR, metric, obj.GetLabels())
						}
						// KServe made the HorizontalPodAutoscaler from the scaling settings.
						hpa, err := acctest.Core(t).AutoscalingV2().HorizontalPodAutoscalers(ns).Get(context.Background(), "churn-predictor", metav1.GetOptions{})
						if err != nil {
							return err
						}
						if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas != 2 || hpa.Spec.MaxReplicas != 4 || len(hpa.Spec.Metrics) != 1 ||
							hpa.Spec.Metrics[0].Resource == nil || hpa.Spec.Metrics[0].Resource.Name != "cpu" {
							return fmt.Errorf("KServe's HPA: min %v max %d metrics %+v", hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas, hpa.Spec.Metrics)
						}
						return nil
					}),
				},
			},
			{
				// Resources and env are managed once configured (they take over
				// the webhook's defaults), updated in place.
				Config: strings.Replace(storageEndpoint(ns, "churn", "s3://models/churn/1", `scaling = { min_replicas = 2, max_replicas = 4, metric = "cpu", target = 80 }`),
					`format      = "sklearn"`, `format      = "sklearn"
    env         = { LOG_LEVEL = "debug" }
    resources   = { cpu = "500m", memory = "1Gi", gpu = 1 }`, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(epAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("model").AtMapKey("resources"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"cpu": knownvalue.StringExact("500m"), "memory": knownvalue.StringExact("1Gi"), "gpu": knownvalue.Int64Exact(1), "limits": knownvalue.Null(),
					})),
					acctest.LiveCheck(func() error {
						obj := live(t, ns, "churn")
						limits, _, _ := unstructured.NestedStringMap(obj.Object, "spec", "predictor", "model", "resources", "limits")
						env, _, _ := unstructured.NestedSlice(obj.Object, "spec", "predictor", "model", "env")
						if limits["cpu"] != "500m" || limits["memory"] != "1Gi" || limits["nvidia.com/gpu"] != "1" || len(env) != 1 {
							return fmt.Errorf("live limits %v env %v", limits, env)
						}
						// The apply waited for the new pods: the rolled-out
						// Deployment runs the new resources.
						d := deployments(t, ns, "churn")["churn-predictor"]
						c := d.Spec.Template.Spec.Containers[0]
						if c.Resources.Limits.Cpu().String() != "500m" || d.Status.UpdatedReplicas != *d.Spec.Replicas ||
							d.Status.AvailableReplicas != *d.Spec.Replicas || d.Status.Replicas != *d.Spec.Replicas {
							return fmt.Errorf("the Deployment runs cpu %s with %d updated, %d available of %d replicas",
								c.Resources.Limits.Cpu(), d.Status.UpdatedReplicas, d.Status.AvailableReplicas, d.Status.Replicas)
						}
						return nil
					}),
				},
			},
			{
				ResourceName:            epAddr,
				ImportState:             true,
				ImportStateId:           ns + "/churn",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

// storageUri edited outside Terraform shows as a diff, and apply puts it back.
func TestAccEndpoint_drift(t *testing.T) {
	ns := acctest.Namespace(t)
	cfg := storageEndpoint(ns, "drift", "s3://models/drift/1", "")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					patch(t, ns, "drift", map[string]any{"spec": map[string]any{"predictor": map[string]any{"model": map[string]any{"storageUri": "s3://someone/else"}}}})
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(epAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(epAddr, tfjsonpath.New("model").AtMapKey("resolved_storage_uri"), knownvalue.StringExact("s3://models/drift/1")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.LiveCheck(func() error {
						uri, _, _ := unstructured.NestedString(live(t, ns, "drift").Object, "spec", "predictor", "model", "storageUri")
						if uri != "s3://models/drift/1" {
							return fmt.Errorf("live storageUri = %q", uri)
						}
						return nil
					}),
				},
			},
		},
	})
}

func TestAccEndpoint_disappears(t *testing.T) {
	ns := acctest.Namespace(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: storageEndpoint(ns, "gone", "s3://models/gone/1", ""),
				Check: func(*terraform.State) error {
					// Deleted as `kubectl delete` does: it returns once KServe
					// has removed its finalizer and the object is gone.
					if err := acctest.Kube(t).Resource(serving.InferenceServiceGVR).Namespace(ns).Delete(context.Background(), "gone", metav1.DeleteOptions{}); err != nil {
						return err
					}
					return acctest.Eventually(time.Minute, func() error {
						_, err := acctest.Kube(t).Resource(serving.InferenceServiceGVR).Namespace(ns).Get(context.Background(), "gone", metav1.GetOptions{})
						if apierrors.IsNotFound(err) {
							return nil
						}
						if err != nil {
							return err
						}
						return fmt.Errorf("the InferenceService is still there")
					})
				},
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(epAddr, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

// A create whose InferenceService exists already (made outside Terraform)
// is refused on `name` with the import command, and leaves that object as
// it was.
func TestAccEndpoint_existsAlready(t *testing.T) {
	ns := acctest.Namespace(t)
	isvcs := acctest.Kube(t).Resource(serving.InferenceServiceGVR).Namespace(ns)
	id := regexp.QuoteMeta(ns + "/taken")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				isvc := &unstructured.Unstructured{Object: map[string]any{
					"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "metadata": map[string]any{"name": "taken"},
					"spec": map[string]any{"predictor": map[string]any{"model": map[string]any{
						"modelFormat": map[string]any{"name": "sklearn"}, "storageUri": "s3://models/taken/1"}}},
				}}
				if _, err := isvcs.Create(context.Background(), isvc, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			Config:      storageEndpoint(ns, "taken", "s3://models/taken/2", ""),
			ExpectError: regexp.MustCompile(`(?s)The InferenceService\s+` + id + `\s+exists\s+already\.\s+Import\s+the\s+endpoint\s+with\s+.terraform\s+import\s+<address>\s+` + id + `.`),
		}},
	})
	obj, err := isvcs.Get(context.Background(), "taken", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if uri, _, _ := unstructured.NestedString(obj.Object, "spec", "predictor", "model", "storageUri"); uri != "s3://models/taken/1" {
		t.Errorf("the refused create changed the InferenceService: it serves %q", uri)
	}
}

// A static canary at 10%, in Standard mode (spec.canary) and in Knative
// mode (canaryTrafficPercent).
func TestAccEndpoint_canary(t *testing.T) {
	// Standard mode runs on KServe's real controller; Knative mode on the
	// project's stand-in (no Knative can run here).
	for _, mode := range []string{"Standard", "Knative"} {
		t.Run(mode, func(t *testing.T) {
			ns := acctest.Namespace(t)
			canary := fmt.Sprintf(`
  deployment_mode = %q
  canary = {
    storage_uri     = "s3://models/canary/2"
    traffic_percent = 10
  }`, mode)
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { preCheck(t) },
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             checkEndpointDestroy(t),
				Steps: []resource.TestStep{
					{
						Config: storageEndpoint(ns, "canary", "s3://models/canary/1", canary),
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("traffic"), knownvalue.MapExact(map[string]knownvalue.Check{
								"model": knownvalue.Int64Exact(90), "canary": knownvalue.Int64Exact(10),
							})),
							statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("canary").AtMapKey("resolved_storage_uri"), knownvalue.StringExact("s3://models/canary/2")),
							statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("model").AtMapKey("resolved_storage_uri"), knownvalue.StringExact("s3://models/canary/1")),
							statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("ready"), knownvalue.Bool(true)),
							acctest.LiveCheck(func() error {
								if mode != "Standard" {
									return nil
								}
								// KServe accepted the canary and gave it its own Deployment.
								deps := deployments(t, ns, "canary")
								var canaries []string
								for n, d := range deps {
									if strings.HasPrefix(n, "canary-c-") && d.Status.AvailableReplicas == 1 {
										canaries = append(canaries, n)
									}
								}
								if _, ok := deps["canary-predictor"]; !ok || len(canaries) != 1 {
									return fmt.Errorf("want canary-predictor and one available canary Deployment, got %v", deps)
								}
								return nil
							}),
						},
					},
					{
						ResourceName:            epAddr,
						ImportState:             true,
						ImportStateId:           ns + "/canary",
						ImportStateVerify:       true,
						ImportStateVerifyIgnore: []string{"timeouts"},
					},
					{
						// Removing the canary gives all traffic to the model.
						Config: storageEndpoint(ns, "canary", "s3://models/canary/1", fmt.Sprintf("deployment_mode = %q", mode)),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(epAddr, plancheck.ResourceActionUpdate),
						}},
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("traffic"), knownvalue.MapExact(map[string]knownvalue.Check{"model": knownvalue.Int64Exact(100)})),
							statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("canary"), knownvalue.Null()),
						},
					},
				},
			})
		})
	}
}

// watchCanaryPercents records the canary shares the object goes through.
func watchCanaryPercents(t *testing.T, ns, name string) func() []int64 {
	ctx, cancel := context.WithCancel(context.Background())
	w, err := acctest.Kube(t).Resource(serving.InferenceServiceGVR).Namespace(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []int64
	go func() {
		for ev := range w.ResultChan() {
			if ev.Type != watch.Modified {
				continue
			}
			obj, ok := ev.Object.(*unstructured.Unstructured)
			if !ok {
				continue
			}
			canaries, _, _ := unstructured.NestedSlice(obj.Object, "spec", "canary")
			if len(canaries) == 0 {
				continue
			}
			p, _, _ := unstructured.NestedInt64(canaries[0].(map[string]any), "trafficPercent")
			mu.Lock()
			if len(seen) == 0 || seen[len(seen)-1] != p {
				seen = append(seen, p)
			}
			mu.Unlock()
		}
	}()
	return func() []int64 {
		time.Sleep(200 * time.Millisecond) // let the last events arrive
		cancel()
		w.Stop()
		mu.Lock()
		defer mu.Unlock()
		return append([]int64(nil), seen...)
	}
}

func rolloutEndpoint(ns, uri string) string {
	return storageEndpoint(ns, "roll", uri, `rollout = {
    steps    = [10, 50]
    interval = "1s"
  }`)
}

// A rollout that succeeds goes through every step, then promotes.
func TestAccEndpoint_rollout(t *testing.T) {
	ns := acctest.Namespace(t)
	var stop func() []int64
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{Config: rolloutEndpoint(ns, "s3://models/roll/1")},
			{
				PreConfig: func() { stop = watchCanaryPercents(t, ns, "roll") },
				Config:    rolloutEndpoint(ns, "s3://models/roll/2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(epAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("model").AtMapKey("resolved_storage_uri"), knownvalue.StringExact("s3://models/roll/2")),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("traffic"), knownvalue.MapExact(map[string]knownvalue.Check{"model": knownvalue.Int64Exact(100)})),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("canary"), knownvalue.Null()),
					acctest.LiveCheck(func() error {
						if got := stop(); fmt.Sprint(got) != "[10 50]" {
							return fmt.Errorf("the canary went through %v, want [10 50]", got)
						}
						// Promotion made the canary's predictor the stable one:
						// its Deployment serves on, and KServe removed the old one.
						obj := live(t, ns, "roll")
						name, _, _ := unstructured.NestedString(obj.Object, "spec", "predictor", "name")
						if !strings.HasPrefix(name, "c-") {
							return fmt.Errorf("the promoted predictor is named %q, want the canary's c-...", name)
						}
						return acctest.Eventually(30*time.Second, func() error {
							deps := deployments(t, ns, "roll")
							d, ok := deps["roll-"+name+"-predictor"]
							if _, old := deps["roll-predictor"]; !ok || old || d.Status.AvailableReplicas < 1 {
								return fmt.Errorf("after promotion the Deployments are %v", deps)
							}
							return nil
						})
					}),
				},
			},
		},
	})
}

// A rollout whose new model crashes at a step returns all traffic to the
// previous model and fails the apply naming the step. The crash is real to
// KServe's controller: the new model's pods crash-loop (kwok's fault stage),
// and the old model's pods serve on.
func TestAccEndpoint_rolloutRollback(t *testing.T) {
	ns := acctest.Namespace(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{Config: rolloutEndpoint(ns, "s3://models/roll/1")},
			{
				Config: rolloutEndpoint(ns, crashingModel),
				ExpectError: wrapped("failed at step 1 of 2 (10% of traffic to the new model "+crashingModel+"): ModelLoadFailed",
					"container kserve-container is in CrashLoopBackOff (exit code 1)",
					"All traffic has been returned to the previous model (s3://models/roll/1)"),
			},
			{
				// Live: the old model alone serves; the next plan proposes the rollout again.
				Config:             rolloutEndpoint(ns, crashingModel),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.LiveCheck(func() error {
						obj := live(t, ns, "roll")
						uri, _, _ := unstructured.NestedString(obj.Object, "spec", "predictor", "model", "storageUri")
						canaries, _, _ := unstructured.NestedSlice(obj.Object, "spec", "canary")
						if uri != "s3://models/roll/1" || len(canaries) != 0 {
							return fmt.Errorf("after the rollback the live object serves %q with canaries %v", uri, canaries)
						}
						if rd := conditionStatus(obj, "Ready"); rd != "True" {
							return fmt.Errorf("after the rollback KServe reports Ready=%s", rd)
						}
						return nil
					}),
				},
			},
		},
	})
}

// A model whose pods never become ready makes the apply fail at the
// timeout, naming the last condition; a model whose pods crash fails at once.
func TestAccEndpoint_waits(t *testing.T) {
	ns := acctest.Namespace(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{
				// 20 s, not less: the last condition must be the pod's
				// readiness, and under a loaded CI the Deployment's pod can
				// take several seconds to be created at all.
				Config: storageEndpoint(ns, "slow", neverReady, `timeouts { create = "20s" }`),
				ExpectError: wrapped("did not become ready in time", "Last condition: Progressing: 0 of 1 new pods of the Deployment slow-predictor of the model are available",
					"exists and is recorded in the state", "Raise timeouts.create"),
			},
			{
				Config:      storageEndpoint(ns, "slow", crashingModel, ""),
				ExpectError: wrapped("cannot become ready: ModelLoadFailed: the model's pod slow-predictor-", "container kserve-container is in CrashLoopBackOff (exit code 1)"),
			},
			{
				// wait_for_ready = false returns without waiting.
				Config: storageEndpoint(ns, "slow", neverReady, `wait_for_ready = false`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("model").AtMapKey("resolved_storage_uri"), knownvalue.StringExact(neverReady)),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("ready"), knownvalue.Bool(false)),
				},
			},
		},
	})
}

func conditionStatus(obj *unstructured.Unstructured, t string) string {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == t {
			s, _ := m["status"].(string)
			return s
		}
	}
	return ""
}

// Registry references: a version, and an alias resolved at plan time, so
// that an alias moved in MLflow shows resolved_version changing.
func TestAccEndpoint_registryAlias(t *testing.T) {
	ns := acctest.Namespace(t)
	name := acctest.RandomName("ep")
	cfg := fmt.Sprintf(`
resource "mlops_registered_model" "m" {
  name = %[1]q
}

resource "mlops_model_version" "v1" {
  model_name = mlops_registered_model.m.name
  source     = "s3://models/%[1]s/1"
}

resource "mlops_model_version" "v2" {
  model_name = mlops_registered_model.m.name
  source     = "s3://models/%[1]s/2"
  depends_on = [mlops_model_version.v1]
}

resource "mlops_model_alias" "champion" {
  model_name = mlops_registered_model.m.name
  alias      = "champion"
  version    = mlops_model_version.v1.version
  lifecycle { ignore_changes = [version] }
}

resource "mlops_endpoint" "test" {
  name      = "byalias"
  namespace = %[2]q
  model = {
    registered_model = mlops_registered_model.m.name
    alias            = mlops_model_alias.champion.alias
  }
}

resource "mlops_endpoint" "pinned" {
  name      = "pinned"
  namespace = %[2]q
  model = {
    registered_model = mlops_registered_model.m.name
    version          = mlops_model_version.v2.version
  }
}
`, name, ns)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("model").AtMapKey("resolved_version"), knownvalue.StringExact("1")),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("model").AtMapKey("resolved_storage_uri"), knownvalue.StringExact("s3://models/"+name+"/1")),
					statecheck.ExpectKnownValue("mlops_endpoint.pinned", tfjsonpath.New("model").AtMapKey("resolved_version"), knownvalue.StringExact("2")),
					statecheck.ExpectKnownValue("mlops_endpoint.pinned", tfjsonpath.New("model").AtMapKey("resolved_storage_uri"), knownvalue.StringExact("s3://models/"+name+"/2")),
				},
			},
			{
				ResourceName:            epAddr,
				ImportState:             true,
				ImportStateId:           ns + "/byalias",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// The alias moves in MLflow (a promotion made elsewhere).
				PreConfig: func() {
					if err := acctest.MLflow(t).SetAlias(acctest.Context(t), name, "champion", "2"); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(epAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(epAddr, tfjsonpath.New("model").AtMapKey("resolved_version"), knownvalue.StringExact("2")),
					plancheck.ExpectResourceAction("mlops_endpoint.pinned", plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.LiveCheck(func() error {
						uri, _, _ := unstructured.NestedString(live(t, ns, "byalias").Object, "spec", "predictor", "model", "storageUri")
						if uri != "s3://models/"+name+"/2" {
							return fmt.Errorf("live storageUri = %q after the alias moved", uri)
						}
						return nil
					}),
				},
			},
			{
				Config: cfg + fmt.Sprintf(`
data "mlops_endpoint" "read" {
  name      = "byalias"
  namespace = %q
}
`, ns),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.mlops_endpoint.read", tfjsonpath.New("registered_model"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue("data.mlops_endpoint.read", tfjsonpath.New("model_version"), knownvalue.StringExact("2")),
					statecheck.ExpectKnownValue("data.mlops_endpoint.read", tfjsonpath.New("ready"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.mlops_endpoint.read", tfjsonpath.New("url"), knownvalue.StringExact("http://byalias-"+ns+".example.com")),
					statecheck.ExpectKnownValue("data.mlops_endpoint.read", tfjsonpath.New("traffic"), knownvalue.MapExact(map[string]knownvalue.Check{"model": knownvalue.Int64Exact(100)})),
				},
			},
		},
	})
}

func TestAccEndpoint_validation(t *testing.T) {
	cfg := func(body string) string {
		return fmt.Sprintf("resource \"mlops_endpoint\" \"test\" {\n  name = \"v\"\n%s\n}\n", body)
	}
	model := `  model = { storage_uri = "s3://m/1" }`
	cases := []struct{ body, want string }{
		{model + "\n  canary = { storage_uri = \"s3://m/2\", traffic_percent = 101 }", `(?s)canary.traffic_percent.*must be between 0 and 100, got: 101`},
		{model + "\n  canary = { storage_uri = \"s3://m/2\", traffic_percent = -1 }", `must be between 0 and 100, got: -1`},
		{model + "\n  canary = { storage_uri = \"s3://m/2\", traffic_percent = 10 }\n  rollout = { steps = [10] }", `(?s)Invalid Attribute Combination.*rollout.*canary`},
		{model + "\n  rollout = { steps = [50, 10] }", `(?s)Step 2 \(10%\) is not above step 1 \(50%\)`},
		{model + "\n  rollout = { steps = [10, 100] }", `(?s)Step 2 is 100%`},
		{model + "\n  rollout = { steps = [0] }", `(?s)Step 1 is 0%`},
		{model + "\n  rollout = { steps = [10], interval = \"soon\" }", `(?s)"soon" is not a positive duration`},
		{`  model = { registered_model = "m", version = "1", alias = "champion" }`, `(?s)Conflicting model reference.*sets both version and alias`},
		{`  model = { format = "sklearn" }`, `(?s)Missing model.*names no model`},
		{`  model = { registered_model = "m" }`, `(?s)Missing model version.*neither version\s+nor\s+alias`},
		{`  model = { version = "3" }`, `(?s)Missing registered model`},
		{`  model = { registered_model = "m", alias = "latest" }`, `"latest" is reserved`},
		{model + "\n  scaling = { min_replicas = 5, max_replicas = 2 }", `(?s)min_replicas \(5\) is above max_replicas \(2\)`},
		{model + "\n  deployment_mode = \"Serverless\"", `(?s)deployment_mode.*value must be one of`},
		{model + "\n  namespace = \"Bad_NS\"", `(?s)Invalid name.*"Bad_NS" is not a DNS label`},
		// Settings KServe would ignore in Standard mode.
		{model + "\n  scaling = { metric = \"concurrency\" }", `(?s)Scaling metric ignored in Standard mode.*no\s+"concurrency"\s+metric`},
		{model + "\n  scaling = { metric = \"rps\" }", `(?s)Scaling metric ignored in Standard mode`},
		{model + "\n  scaling = { min_replicas = 0 }", `(?s)Scale to zero unavailable in Standard mode.*raise\s+min_replicas\s+=\s+0\s+to\s+1`},
		{model + "\n  annotations = { \"serving.kserve.io/deploymentMode\" = \"Knative\" }", `(?s)Reserved annotation`},
		{model + "\n  logger = { url = \"collector\" }", `(?s)Invalid URL`},
		{model + "\n  logger = { url = \"http://c/e\", mode = \"everything\" }", `(?s)logger.mode.*value must be one of`},
		{model + "\n  batcher = { max_batch_size = 0 }", `(?s)batcher.max_batch_size.*must be between 1`},
		// MLflow's, KServe's and Kubernetes' own rules, at plan, each on the
		// attribute that holds the value, with the full path in the detail.
		{`  model = { storage_uri = "models/churn/7" }`, `(?s)Invalid storage URI.*3:   model = \{.*model.storage_uri: "models/churn/7" has no URI scheme`},
		{`  model = { registered_model = "team/churn", alias = "champion" }`, `(?s)Invalid model name.*model.registered_model: "team/churn" has '/' or ':'`},
		{`  model = { registered_model = "churn", alias = "prod/champion" }`, `(?s)Invalid model alias.*model.alias: "prod/champion" has a character other than ASCII`},
		{`  model = { storage_uri = "s3://m/1", resources = { cpu = "lots" } }`, `(?s)Invalid resource quantity.*3:   model = \{.*model.resources.cpu: "lots" is not a Kubernetes quantity`},
		{`  model = { storage_uri = "s3://m/1", resources = { memory = "-2Gi" } }`, `(?s)Invalid resource quantity.*model.resources.memory: "-2Gi" is negative`},
		{`  model = { storage_uri = "s3://m/1", resources = { gpu = 9223372036854775807 } }`, `(?s)Invalid GPU count.*model.resources.gpu: 9223372036854775807 GPUs: give a count from 0 to 64`},
		{model + "\n  canary = { storage_uri = \"canary/2\", traffic_percent = 10 }", `(?s)Invalid storage URI.*4:   canary = \{.*canary.storage_uri: "canary/2" has no URI scheme`},
		// Numbers no 64-bit integer holds: an error on the attribute, not a
		// crash of the provider.
		{model + "\n  scaling = { max_replicas = 99999999999999999999 }", `(?s)Invalid number.*4:   scaling = \{.*scaling.max_replicas: 99999999999999999999 is too large`},
		{model + "\n  scaling = { max_replicas = 2.5 }", `(?s)Invalid number.*scaling.max_replicas: 2.5 is not a whole number`},
		// Production settings, each refused on its attribute with the fix.
		{`  model = { storage_uri = "s3://m/1", resources = { cpu = "2", memory = "4Gi", limits = { memory = "2Gi" } } }`,
			`(?s)Limit below request.*model.resources.limits.memory.*The\s+memory\s+limit\s+2Gi\s+is\s+below\s+the\s+request\s+4Gi`},
		{`  model = { storage_uri = "s3://m/1", format = "sklearn" }` + "\n  container = { image = \"srv:1\" }", `(?s)Conflicting model server.*model.format chooses`},
		{`  model = { storage_uri = "s3://m/1", env = { A = "1" } }` + "\n  container = { image = \"srv:1\" }", `(?s)Conflicting model server.*remove\s+model.env`},
		{model + "\n  scaling = { class = \"keda\" }", `(?s)Missing scaling query.*scaling.prometheus`},
		{model + "\n  scaling = { prometheus = { server = \"http://p:9090\", query = \"q\", target = 5 } }", `(?s)Scaling query needs KEDA`},
		{model + "\n  scaling = { class = \"keda\", metric = \"cpu\", prometheus = { server = \"http://p:9090\", query = \"q\", target = 5 } }", `(?s)Scaling metric not used by KEDA`},
		{model + "\n  deployment_mode = \"Knative\"\n  scaling = { class = \"hpa\" }", `(?s)Autoscaler class unavailable in Knative mode`},
		{model + "\n  annotations = { \"serving.kserve.io/autoscalerClass\" = \"hpa\" }\n  scaling = { class = \"hpa\" }", `(?s)Autoscaler class set twice`},
		{model + "\n  scaling = { class = \"none\", metric = \"cpu\" }", `(?s)Scaling metric ignored without an autoscaler`},
		{model + "\n  scaling = { class = \"fast\" }", `(?s)scaling.class.*value must be one of`},
		{model + "\n  scaling = { metric = \"rps\" }", `(?s)class\s+=\s+"keda"\s+with\s+prometheus`},
		{model + "\n  request_timeout = \"1500ms\"", `(?s)Invalid request timeout.*not\s+a\s+whole\s+number\s+of\s+seconds`},
		{model + "\n  container_concurrency = -1", `(?s)container_concurrency.*must be between 0`},
		{model + "\n  pod = { tolerations = [{ key = \"gpu\", operator = \"Exists\", value = \"x\" }] }", `(?s)Invalid toleration.*operator\s+=\s+"Exists"\s+matches\s+a\s+taint\s+by\s+its\s+key\s+alone`},
		{model + "\n  pod = { tolerations = [{ effect = \"NoSchedule\" }] }", `(?s)Invalid toleration.*without\s+a\s+key\s+must\s+have\s+operator\s+=\s+"Exists"`},
		{model + "\n  pod = { node_selector = { \"bad key!\" = \"x\" } }", `(?s)Invalid node selector.*"bad\s+key!"\s+is\s+not\s+a\s+Kubernetes\s+label\s+key`},
		{model + "\n  pod = { service_account = \"Churn_SA\" }", `(?s)Invalid Kubernetes name.*"Churn_SA"\s+is\s+not\s+a\s+Kubernetes\s+object\s+name`},
		{`  model = { storage_uri = "s3://m/1", env_from_secrets = { "1BAD" = { secret = "s", key = "k" } } }`, `(?s)Invalid environment variable name.*"1BAD"`},
		{`  model = { storage_uri = "s3://m/1", format = "nosuchformat" }`,
			`(?s)No serving runtime for the model format.*declares\s+the\s+format\s+"nosuchformat".*Formats\s+available:.*mlflow\s+\(mlops-test-mlflow\).*mlops_serving_runtime`},
		{model + "\n  scaling = { max_replicas = 3000000000 }", `(?s)4:   scaling = \{.*Attribute scaling.max_replicas value must be between 1 and\s+2147483647, got:\s+3000000000`},
	}
	steps := []resource.TestStep{
		{
			Config:      "resource \"mlops_endpoint\" \"test\" {\n  name = \"" + strings.Repeat("a", 42) + "\"\n" + model + "\n  rollout = { steps = [10] }\n}\n",
			PlanOnly:    true,
			ExpectError: wrapped("Endpoint name too long for a canary", "may have at most 41 characters (it has 42)"),
		},
		{Config: "resource \"mlops_endpoint\" \"test\" {\n  name = \"Churn_1\"\n" + model + "\n}\n", PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Invalid name.*"Churn_1" is not a DNS-1035 label`)},
		{Config: "resource \"mlops_endpoint\" \"test\" {\n  name = \"1churn\"\n" + model + "\n}\n", PlanOnly: true, ExpectError: regexp.MustCompile(`"1churn" is not a DNS-1035 label`)},
		{Config: cfg(model), ResourceName: epAddr, ImportState: true, ImportStateId: "no-namespace", ExpectError: regexp.MustCompile("(?s)The import ID of mlops_endpoint is\\s+`<namespace>/<name>`")},
	}
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: cfg(c.body), PlanOnly: true, ExpectError: regexp.MustCompile(c.want)})
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

// wrapped matches the phrases in order, whatever line wrapping Terraform
// applied to the diagnostic.
func wrapped(phrases ...string) *regexp.Regexp {
	parts := make([]string, len(phrases))
	for i, p := range phrases {
		parts[i] = strings.ReplaceAll(regexp.QuoteMeta(p), " ", `\s+`)
	}
	return regexp.MustCompile("(?s)" + strings.Join(parts, ".*"))
}

// Payload logging and batching: KServe's pod mutator injects its agent next
// to the model server, configured from the endpoint's logger and batcher.
func TestAccEndpoint_loggerBatcher(t *testing.T) {
	ns := acctest.Namespace(t)
	monitored := `logger = {
    url              = "http://collector.monitoring/events"
    mode             = "request"
    metadata_headers = ["x-request-id"]
  }
  batcher = { max_batch_size = 32, max_latency = 100, timeout = 30 }`
	agentArgs := func() ([]string, error) {
		pods, err := acctest.Core(t).CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "serving.kserve.io/inferenceservice=logged"})
		if err != nil {
			return nil, err
		}
		var args []string
		for _, p := range pods.Items {
			if p.DeletionTimestamp != nil {
				continue
			}
			for _, c := range p.Spec.Containers {
				if c.Name == "agent" {
					args = append(args, c.Args...)
				}
			}
		}
		return args, nil
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: storageEndpoint(ns, "logged", "s3://models/logged/1", monitored),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("logger").AtMapKey("mode"), knownvalue.StringExact("request")),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("batcher").AtMapKey("max_batch_size"), knownvalue.Int64Exact(32)),
					acctest.LiveCheck(func() error {
						args, err := agentArgs()
						if err != nil {
							return err
						}
						joined := strings.Join(args, " ")
						for _, want := range []string{"--log-url http://collector.monitoring/events", "--log-mode request", "--enable-batcher", "--max-batchsize 32", "--max-latency 100"} {
							if !strings.Contains(joined, want) {
								return fmt.Errorf("KServe's agent runs with %q, missing %q", joined, want)
							}
						}
						return nil
					}),
				},
			},
			{
				ResourceName:            epAddr,
				ImportState:             true,
				ImportStateId:           ns + "/logged",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// Removing both removes the agent from the pods the apply waited for.
				Config: storageEndpoint(ns, "logged", "s3://models/logged/1", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("logger"), knownvalue.Null()),
					acctest.LiveCheck(func() error {
						args, err := agentArgs()
						if err != nil {
							return err
						}
						if len(args) > 0 {
							return fmt.Errorf("the agent still runs: %v", args)
						}
						return nil
					}),
				},
			},
		},
	})
}
