package serving_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	resourceapi "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// Tests of what a real platform team's endpoints need: where and as whom
// the pods run, a custom server, a transformer, KEDA. Each runs on KServe's
// real controller and webhooks, the real scheduler and kwok's two nodes
// (kwok-node-0, and kwok-gpu-0: pool=gpu behind the taint
// nvidia.com/gpu=present:NoSchedule; test/cluster/node.yaml).

// endpointPods lists the live pods of one Deployment of an endpoint.
func endpointPods(t *testing.T, ns, deployment string) ([]corev1.Pod, error) {
	list, err := acctest.Core(t).CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=isvc." + deployment})
	if err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// onePod returns the one live pod of a Deployment, waiting for old ones to go.
func onePod(t *testing.T, ns, deployment string) (corev1.Pod, error) {
	var pod corev1.Pod
	err := acctest.Eventually(30*time.Second, func() error {
		pods, err := endpointPods(t, ns, deployment)
		if err != nil {
			return err
		}
		if len(pods) != 1 {
			return fmt.Errorf("the Deployment %s has %d live pods, want 1", deployment, len(pods))
		}
		pod = pods[0]
		return nil
	})
	return pod, err
}

func container(p corev1.Pod, name string) *corev1.Container {
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == name {
			return &p.Spec.Containers[i]
		}
	}
	for i := range p.Spec.InitContainers {
		if p.Spec.InitContainers[i].Name == name {
			return &p.Spec.InitContainers[i]
		}
	}
	return nil
}

const gpuPool = `pod = {
    node_selector      = { pool = "gpu" }
    tolerations        = [{ key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" }]
    image_pull_secrets = ["registry-creds"]
    priority_class     = "mlops-test-high"
  }`

// A model on the GPU pool: the node selector and the toleration put its pod
// on the tainted node; without the toleration the pod stays Pending and the
// wait fails at its timeout with the scheduler's own message.
func TestAccEndpoint_gpuPool(t *testing.T) {
	ns := acctest.Namespace(t)
	pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "mlops-test-high"}, Value: 1000}
	if _, err := acctest.Core(t).SchedulingV1().PriorityClasses().Create(context.Background(), pc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	gpuModel := strings.Replace(storageEndpoint(ns, "gpu", "s3://models/gpu/1", gpuPool+`
  canary = { storage_uri = "s3://models/gpu/2", traffic_percent = 10 }`), `format      = "sklearn"`,
		`format      = "sklearn"
    resources   = { cpu = "1", memory = "2Gi", gpu = 1 }`, 1)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: gpuModel,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("ready"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("pod").AtMapKey("node_selector"), knownvalue.MapExact(map[string]knownvalue.Check{"pool": knownvalue.StringExact("gpu")})),
					acctest.LiveCheck(func() error {
						p, err := onePod(t, ns, "gpu-predictor")
						if err != nil {
							return err
						}
						if p.Spec.NodeName != "kwok-gpu-0" || p.Spec.PriorityClassName != "mlops-test-high" || p.Spec.Priority == nil || *p.Spec.Priority != 1000 ||
							len(p.Spec.ImagePullSecrets) != 1 || p.Spec.ImagePullSecrets[0].Name != "registry-creds" {
							return fmt.Errorf("the model's pod: node %q priority class %q (%v) pull secrets %v; want kwok-gpu-0, mlops-test-high (1000), registry-creds",
								p.Spec.NodeName, p.Spec.PriorityClassName, p.Spec.Priority, p.Spec.ImagePullSecrets)
						}
						// The canary's pods run where and as the model's do.
						for name := range deployments(t, ns, "gpu") {
							if !strings.HasPrefix(name, "gpu-c-") {
								continue
							}
							cp, err := onePod(t, ns, name)
							if err != nil {
								return err
							}
							if cp.Spec.NodeName != "kwok-gpu-0" || cp.Spec.PriorityClassName != "mlops-test-high" {
								return fmt.Errorf("the canary's pod runs on %q with priority class %q", cp.Spec.NodeName, cp.Spec.PriorityClassName)
							}
							return nil
						}
						return fmt.Errorf("no canary Deployment among %v", deployments(t, ns, "gpu"))
					}),
				},
			},
			{
				ResourceName: epAddr, ImportState: true, ImportStateId: ns + "/gpu", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				Config:           gpuModel,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccEndpoint_untoleratedTaint(t *testing.T) {
	ns := acctest.Namespace(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: storageEndpoint(ns, "tainted", "s3://models/tainted/1", `pod = { node_selector = { pool = "gpu" } }
  timeouts { create = "15s" }`),
				ExpectError: wrapped("The InferenceService "+ns+"/tainted did not become ready in time", "Last condition: FailedScheduling:",
					"the model's pod tainted-predictor-", "cannot be scheduled (Unschedulable)", "untolerated taint"),
			},
		},
	})
}

// The model reads a private bucket through its own service account: KServe's
// storage initializer gets the credentials from the Secret that the account
// lists, as references, so no key is ever in the Terraform state.
func TestAccEndpoint_serviceAccountCredentials(t *testing.T) {
	ns := acctest.Namespace(t)
	const key = "not-a-real-secret-key-4f1d"
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "bucket-creds", Namespace: ns, Annotations: map[string]string{
			"serving.kserve.io/s3-endpoint": "minio.storage:9000", "serving.kserve.io/s3-usehttps": "0",
		}},
		StringData: map[string]string{"AWS_ACCESS_KEY_ID": "reader", "AWS_SECRET_ACCESS_KEY": key},
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "churn-models", Namespace: ns}, Secrets: []corev1.ObjectReference{{Name: "bucket-creds"}}}
	if _, err := acctest.Core(t).CoreV1().Secrets(ns).Create(context.Background(), secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := acctest.Core(t).CoreV1().ServiceAccounts(ns).Create(context.Background(), sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: storageEndpoint(ns, "private", "s3://private-bucket/churn/7", `pod = { service_account = "churn-models" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("pod").AtMapKey("service_account"), knownvalue.StringExact("churn-models")),
					acctest.StateLacks(key),
					acctest.LiveCheck(func() error {
						p, err := onePod(t, ns, "private-predictor")
						if err != nil {
							return err
						}
						init := container(p, "storage-initializer")
						if p.Spec.ServiceAccountName != "churn-models" || init == nil {
							return fmt.Errorf("the pod runs as %q with storage initializer %v", p.Spec.ServiceAccountName, init)
						}
						refs := map[string]string{}
						for _, e := range init.Env {
							if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
								refs[e.Name] = e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
							}
							if e.Value == key {
								return fmt.Errorf("the secret key is in the pod spec as a plain value (%s)", e.Name)
							}
						}
						if refs["AWS_ACCESS_KEY_ID"] != "bucket-creds/AWS_ACCESS_KEY_ID" || refs["AWS_SECRET_ACCESS_KEY"] != "bucket-creds/AWS_SECRET_ACCESS_KEY" {
							return fmt.Errorf("KServe's storage initializer reads %v from Secrets, want both AWS keys from bucket-creds", refs)
						}
						return nil
					}),
				},
			},
		},
	})
}

// Runtime arguments, environment from Secrets, limits above the requests,
// the request timeout and the concurrency: rendered as KServe's fields and
// seen in the pods KServe makes.
func TestAccEndpoint_argsSecretsLimits(t *testing.T) {
	ns := acctest.Namespace(t)
	model := `model = {
    storage_uri      = "s3://models/tuned/1"
    format           = "sklearn"
    args             = ["--workers=2"]
    env              = { LOG_LEVEL = "info" }
    env_from_secrets = { HF_TOKEN = { secret = "hf", key = "token" } }
    resources        = { cpu = "1", memory = "2Gi", limits = { cpu = "4", memory = "8Gi" } }
  }
  request_timeout       = "120s"
  container_concurrency = 8`
	cfg := fmt.Sprintf("resource \"mlops_endpoint\" \"test\" {\n  name      = \"tuned\"\n  namespace = %q\n  %s\n}\n", ns, model)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("request_timeout"), knownvalue.StringExact("120s")),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("model").AtMapKey("resources").AtMapKey("limits"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"cpu": knownvalue.StringExact("4"), "memory": knownvalue.StringExact("8Gi"),
					})),
					acctest.LiveCheck(func() error {
						obj := live(t, ns, "tuned")
						timeout, _, _ := unstructured.NestedInt64(obj.Object, "spec", "predictor", "timeout")
						cc, _, _ := unstructured.NestedInt64(obj.Object, "spec", "predictor", "containerConcurrency")
						if timeout != 120 || cc != 8 {
							return fmt.Errorf("live timeout %d containerConcurrency %d, want 120 and 8", timeout, cc)
						}
						p, err := onePod(t, ns, "tuned-predictor")
						if err != nil {
							return err
						}
						c := container(p, "kserve-container")
						var token string
						for _, e := range c.Env {
							if e.Name == "HF_TOKEN" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
								token = e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
							}
						}
						if !strings.Contains(strings.Join(c.Args, " "), "--workers=2") || token != "hf/token" ||
							c.Resources.Requests.Cpu().String() != "1" || c.Resources.Limits.Cpu().String() != "4" || c.Resources.Limits.Memory().String() != "8Gi" {
							return fmt.Errorf("the model server runs with args %v, HF_TOKEN from %q, requests %v, limits %v", c.Args, token, c.Resources.Requests, c.Resources.Limits)
						}
						return nil
					}),
				},
			},
			{
				ResourceName: epAddr, ImportState: true, ImportStateId: ns + "/tuned", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

// A custom server (vLLM or the company's own image) instead of a runtime;
// the canary and a rollout run it too, and a rollout rolls out new arguments.
func TestAccEndpoint_customContainer(t *testing.T) {
	ns := acctest.Namespace(t)
	cfg := func(args string) string {
		return fmt.Sprintf(`
resource "mlops_endpoint" "test" {
  name      = "llm"
  namespace = %q
  model     = { storage_uri = "s3://models/llm/1" }
  container = {
    image   = "ghcr.io/acme/llm-server:1.4"
    command = ["python", "-m", "server"]
    args    = [%s]
    port    = 8080
    env     = { LOG_LEVEL = "info" }
    env_from_secrets = { HF_TOKEN = { secret = "hf", key = "token" } }
    resources        = { cpu = "2", memory = "4Gi", limits = { memory = "8Gi" } }
  }
  rollout = { steps = [50], interval = "1s" }
}
`, ns, args)
	}
	var stop func() []int64
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: cfg(`"--max-model-len=4096"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("ready"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("model").AtMapKey("format"), knownvalue.Null()),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("model").AtMapKey("protocol"), knownvalue.Null()),
					acctest.LiveCheck(func() error {
						p, err := onePod(t, ns, "llm-predictor")
						if err != nil {
							return err
						}
						c := container(p, "kserve-container")
						if c == nil || c.Image != "ghcr.io/acme/llm-server:1.4" || strings.Join(c.Command, " ") != "python -m server" ||
							len(c.Ports) == 0 || c.Ports[0].ContainerPort != 8080 || container(p, "storage-initializer") == nil {
							return fmt.Errorf("the pod runs %+v (want the custom image, command and port, and KServe's storage initializer for STORAGE_URI)", c)
						}
						env := map[string]string{}
						for _, e := range c.Env {
							env[e.Name] = e.Value
							if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
								env[e.Name] = "secret:" + e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
							}
						}
						// KServe's storage initializer downloads STORAGE_URI and
						// points the server at the local copy.
						init := container(p, "storage-initializer")
						if env["STORAGE_URI"] != "/mnt/models" || init == nil || !strings.Contains(strings.Join(init.Args, " "), "s3://models/llm/1") ||
							env["HF_TOKEN"] != "secret:hf/token" || env["LOG_LEVEL"] != "info" {
							return fmt.Errorf("the server's env %v, the storage initializer %+v", env, init)
						}
						if c.Resources.Requests.Memory().Cmp(resourceapi.MustParse("4Gi")) != 0 || c.Resources.Limits.Memory().Cmp(resourceapi.MustParse("8Gi")) != 0 ||
							c.Resources.Limits.Cpu().Cmp(resourceapi.MustParse("2")) != 0 {
							return fmt.Errorf("the server's requests %v, limits %v", c.Resources.Requests, c.Resources.Limits)
						}
						return nil
					}),
				},
			},
			{
				// KServe's webhook writes default resources into the same
				// (atomic) container list, so an import cannot tell configured
				// resources from defaults and leaves them out (a documented limit).
				ResourceName: epAddr, ImportState: true, ImportStateId: ns + "/llm", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts", "rollout", "container.resources"},
			},
			{
				// New arguments are a new server: rolled out through the canary.
				PreConfig: func() { stop = watchCanaryPercents(t, ns, "llm") },
				Config:    cfg(`"--max-model-len=8192"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(epAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("traffic"), knownvalue.MapExact(map[string]knownvalue.Check{"model": knownvalue.Int64Exact(100)})),
					acctest.LiveCheck(func() error {
						if got := stop(); fmt.Sprint(got) != "[50]" {
							return fmt.Errorf("the canary went through %v, want [50]", got)
						}
						// The storage URI did not change, so KServe refuses to promote
						// the canary's predictor by name: the stable one takes the new server.
						obj := live(t, ns, "llm")
						name, _, _ := unstructured.NestedString(obj.Object, "spec", "predictor", "name")
						canaries, _, _ := unstructured.NestedSlice(obj.Object, "spec", "canary")
						if name != "" || len(canaries) != 0 {
							return fmt.Errorf("after the rollout the predictor is named %q with canaries %v", name, canaries)
						}
						p, err := onePod(t, ns, "llm-predictor")
						if err != nil {
							return err
						}
						if c := container(p, "kserve-container"); c == nil || strings.Join(c.Args, " ") != "--max-model-len=8192" {
							return fmt.Errorf("after the rollout the promoted server runs %+v", c)
						}
						return nil
					}),
				},
			},
		},
	})
}

// A transformer gets its own Deployment from KServe; its readiness is part
// of the endpoint's, and removing it removes the Deployment.
func TestAccEndpoint_transformer(t *testing.T) {
	ns := acctest.Namespace(t)
	withTransformer := storageEndpoint(ns, "feat", "s3://models/feat/1", `transformer = {
    image        = "ghcr.io/acme/churn-features:1.4"
    command      = ["python", "-m", "features"]
    env          = { FEATURE_SET = "v3" }
    min_replicas = 1
    max_replicas = 2
  }`)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: withTransformer,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("ready"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("conditions"), knownvalue.ListPartial(map[int]knownvalue.Check{
						4: knownvalue.ObjectPartial(map[string]knownvalue.Check{"type": knownvalue.StringExact("TransformerReady"), "status": knownvalue.StringExact("True")}),
					})),
					acctest.LiveCheck(func() error {
						d, ok := deployments(t, ns, "feat")["feat-transformer"]
						if !ok || d.Status.AvailableReplicas != 1 {
							return fmt.Errorf("want the available Deployment feat-transformer, got %v", deployments(t, ns, "feat"))
						}
						p, err := onePod(t, ns, "feat-transformer")
						if err != nil {
							return err
						}
						if c := container(p, "kserve-container"); c == nil || c.Image != "ghcr.io/acme/churn-features:1.4" {
							return fmt.Errorf("the transformer's pod runs %+v", c)
						}
						return nil
					}),
				},
			},
			{
				ResourceName: epAddr, ImportState: true, ImportStateId: ns + "/feat", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				Config: storageEndpoint(ns, "feat", "s3://models/feat/1", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("transformer"), knownvalue.Null()),
					acctest.LiveCheck(func() error {
						return acctest.Eventually(30*time.Second, func() error {
							if _, ok := deployments(t, ns, "feat")["feat-transformer"]; ok {
								return fmt.Errorf("the Deployment feat-transformer remains after the transformer was removed")
							}
							return nil
						})
					}),
				},
			},
		},
	})
}

var scaledObjectGVR = schema.GroupVersionResource{Group: "keda.sh", Version: "v1alpha1", Resource: "scaledobjects"}

// scaling.class = "keda": KServe's real controller makes KEDA's
// ScaledObject with the Prometheus trigger; "none" makes no autoscaler.
func TestAccEndpoint_kedaScaling(t *testing.T) {
	ns := acctest.Namespace(t)
	keda := `scaling = {
    min_replicas = 1
    max_replicas = 3
    class        = "keda"
    prometheus = {
      server = "http://prometheus.monitoring:9090"
      query  = "sum(rate(requests_total[1m]))"
      target = 50
    }
  }`
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: storageEndpoint(ns, "scaled", "s3://models/scaled/1", keda),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("scaling").AtMapKey("prometheus").AtMapKey("target"), knownvalue.StringExact("50")),
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("annotations"), knownvalue.Null()),
					acctest.LiveCheck(func() error {
						return acctest.Eventually(30*time.Second, func() error {
							so, err := acctest.Kube(t).Resource(scaledObjectGVR).Namespace(ns).Get(context.Background(), "scaled-predictor", metav1.GetOptions{})
							if err != nil {
								return fmt.Errorf("KServe made no ScaledObject: %w", err)
							}
							triggers, _, _ := unstructured.NestedSlice(so.Object, "spec", "triggers")
							if len(triggers) != 1 {
								return fmt.Errorf("ScaledObject triggers %v", triggers)
							}
							tr := triggers[0].(map[string]any)
							md, _, _ := unstructured.NestedStringMap(tr, "metadata")
							maxR, _, _ := unstructured.NestedInt64(so.Object, "spec", "maxReplicaCount")
							if tr["type"] != "prometheus" || md["serverAddress"] != "http://prometheus.monitoring:9090" ||
								md["query"] != "sum(rate(requests_total[1m]))" || md["threshold"] != "50" || maxR != 3 {
								return fmt.Errorf("ScaledObject trigger %v, max %d", tr, maxR)
							}
							return nil
						})
					}),
				},
			},
			{
				ResourceName: epAddr, ImportState: true, ImportStateId: ns + "/scaled", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				Config: storageEndpoint(ns, "scaled", "s3://models/scaled/1", `scaling = { min_replicas = 2, class = "none" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("scaling").AtMapKey("class"), knownvalue.StringExact("none")),
					acctest.LiveCheck(func() error {
						return acctest.Eventually(30*time.Second, func() error {
							if _, err := acctest.Core(t).AutoscalingV2().HorizontalPodAutoscalers(ns).Get(context.Background(), "scaled-predictor", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
								return fmt.Errorf("with class none there is an autoscaler: %w", err)
							}
							d := deployments(t, ns, "scaled")["scaled-predictor"]
							if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
								return fmt.Errorf("with class none the Deployment runs %v replicas, want min_replicas 2", d.Spec.Replicas)
							}
							return nil
						})
					}),
				},
			},
		},
	})
}

// KServe's verdict on a spec it cannot serve fails the apply at once, with
// its reason and what to do, instead of waiting out the timeout: "cannot
// become ready" is the failed wait's error, "did not become ready in time"
// the timed-out one's.
func TestAccEndpoint_invalidSpecFailsFast(t *testing.T) {
	ns := acctest.Namespace(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{
				// The runtime is named, so the plan leaves the format to KServe.
				Config: fmt.Sprintf(`
resource "mlops_endpoint" "test" {
  name      = "invalid"
  namespace = %q
  model     = { storage_uri = "s3://models/invalid/1", format = "nosuchformat", runtime = "mlops-test-sklearn" }
  timeouts { create = "10m" }
}
`, ns),
				ExpectError: wrapped("cannot become ready: InvalidSpec: NoSupportingRuntime: Specified runtime does not support specified framework/version",
					"set model.format to a format that a ServingRuntime or ClusterServingRuntime declares"),
			},
		},
	})
}

// examples/production applies to the local cluster, once the prerequisites
// its header names exist, and plans empty afterwards.
func TestAccEndpoint_productionExample(t *testing.T) {
	ns := acctest.Namespace(t)
	cfg := acctest.ExampleConfig(t, "production")
	core := acctest.Core(t).CoreV1()
	ctx := context.Background()
	for _, s := range []*corev1.Secret{
		{ObjectMeta: metav1.ObjectMeta{Name: "bucket", Namespace: ns, Annotations: map[string]string{"serving.kserve.io/s3-endpoint": "minio.storage:9000"}},
			StringData: map[string]string{"AWS_ACCESS_KEY_ID": "reader", "AWS_SECRET_ACCESS_KEY": "example-only"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "hf", Namespace: ns}, StringData: map[string]string{"token": "example-only"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "registry-creds", Namespace: ns}, StringData: map[string]string{"token": "example-only"}},
	} {
		if _, err := core.Secrets(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "churn-models", Namespace: ns}, Secrets: []corev1.ObjectReference{{Name: "bucket"}}}
	if _, err := core.ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "serving-high"}, Value: 100000}
	if _, err := acctest.Core(t).SchedulingV1().PriorityClasses().Create(ctx, pc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	vars := config.Variables{"namespace": config.StringVariable(ns)}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             resource.ComposeTestCheckFunc(checkEndpointDestroy(t), checkRuntimeDestroy(t)),
		Steps: []resource.TestStep{
			{
				Config: cfg, ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("mlops_endpoint.churn", tfjsonpath.New("ready"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("mlops_endpoint.llm", tfjsonpath.New("ready"), knownvalue.Bool(true)),
					acctest.LiveCheck(func() error {
						churn, err := onePod(t, ns, "churn-predictor")
						if err != nil {
							return err
						}
						llm, err := onePod(t, ns, "llm-predictor")
						if err != nil {
							return err
						}
						if churn.Spec.NodeName != "kwok-gpu-0" || churn.Spec.ServiceAccountName != "churn-models" || llm.Spec.NodeName != "kwok-gpu-0" {
							return fmt.Errorf("churn runs on %q as %q, llm on %q: want both on the GPU pool", churn.Spec.NodeName, churn.Spec.ServiceAccountName, llm.Spec.NodeName)
						}
						if c := container(llm, "kserve-container"); c == nil || c.Image != "vllm/vllm-openai:v0.6.3" {
							return fmt.Errorf("llm runs %+v, want vLLM's image from the runtime", c)
						}
						if _, ok := deployments(t, ns, "churn")["churn-transformer"]; !ok {
							return fmt.Errorf("churn has no transformer Deployment")
						}
						_, err = acctest.Kube(t).Resource(scaledObjectGVR).Namespace(ns).Get(ctx, "churn-predictor", metav1.GetOptions{})
						return err
					}),
				},
			},
			{
				Config: cfg, ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
