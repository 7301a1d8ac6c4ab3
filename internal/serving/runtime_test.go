package serving_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/serving"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

const rtAddr = "mlops_serving_runtime.vllm"

func vllmRuntime(ns, image string) string {
	return fmt.Sprintf(`
resource "mlops_serving_runtime" "vllm" {
  name      = "vllm"
  namespace = %q
  formats   = [{ name = "vllm", version = "1", auto_select = true, priority = 1 }]
  protocols = ["v2"]
  container = {
    image     = %q
    args      = ["--port=8080", "--model=/mnt/models"]
    port      = 8080
    resources = { cpu = "2", memory = "8Gi", gpu = 1 }
  }
}
`, ns, image)
}

func checkRuntimeDestroy(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "mlops_serving_runtime" {
				continue
			}
			gvr, ns := serving.ServingRuntimeGVR, rs.Primary.Attributes["namespace"]
			if rs.Primary.Attributes["cluster_wide"] == "true" {
				gvr = serving.ClusterServingRuntimeGVR
			}
			_, err := acctest.Kube(t).Resource(gvr).Namespace(ns).Get(context.Background(), rs.Primary.Attributes["name"], metav1.GetOptions{})
			if err == nil {
				return fmt.Errorf("runtime %s still exists", rs.Primary.ID)
			}
			if !apierrors.IsNotFound(err) {
				return err
			}
		}
		return nil
	}
}

// A vLLM runtime, and an endpoint whose format only that runtime declares:
// KServe picks it, and the model's pod runs the runtime's image. The image
// changed outside Terraform shows as drift; import works by ID.
func TestAccServingRuntime_basic(t *testing.T) {
	ns := acctest.Namespace(t)
	endpoint := fmt.Sprintf(`
resource "mlops_endpoint" "test" {
  name      = "llm"
  namespace = %q
  model     = { storage_uri = "s3://models/llm/1", format = "vllm", format_version = "1" }
  depends_on = [mlops_serving_runtime.vllm]
}
`, ns)
	runtime := vllmRuntime(ns, "vllm/vllm-openai:v0.6.3")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             resource.ComposeTestCheckFunc(checkEndpointDestroy(t), checkRuntimeDestroy(t)),
		Steps: []resource.TestStep{
			{
				Config: runtime,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rtAddr, tfjsonpath.New("id"), knownvalue.StringExact(ns+"/vllm")),
					statecheck.ExpectKnownValue(rtAddr, tfjsonpath.New("cluster_wide"), knownvalue.Bool(false)),
				},
			},
			{
				Config: runtime + endpoint,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(epAddr, tfjsonpath.New("ready"), knownvalue.Bool(true)),
					acctest.LiveCheck(func() error {
						p, err := onePod(t, ns, "llm-predictor")
						if err != nil {
							return err
						}
						if c := container(p, "kserve-container"); c == nil || c.Image != "vllm/vllm-openai:v0.6.3" {
							return fmt.Errorf("the model's pod runs %+v, want the runtime's image vllm/vllm-openai:v0.6.3", c)
						}
						return nil
					}),
				},
			},
			{
				ResourceName: rtAddr, ImportState: true, ImportStateId: ns + "/vllm", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// The image changed outside Terraform: a diff, and apply puts it back.
				PreConfig: func() {
					p, _ := json.Marshal(map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "kserve-container", "image": "someone/else:1"}}}})
					if _, err := acctest.Kube(t).Resource(serving.ServingRuntimeGVR).Namespace(ns).Patch(context.Background(), "vllm", types.MergePatchType, p,
						metav1.PatchOptions{FieldManager: "kubectl-edit"}); err != nil {
						t.Fatal(err)
					}
				},
				Config: runtime + endpoint,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(rtAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(rtAddr, tfjsonpath.New("container").AtMapKey("image"), knownvalue.StringExact("vllm/vllm-openai:v0.6.3")),
				}},
			},
		},
	})
}

// A ClusterServingRuntime, imported by its name alone, and deleted outside
// Terraform (planned for creation again).
func TestAccServingRuntime_clusterWide(t *testing.T) {
	name := acctest.RandomName("rt")
	cfg := fmt.Sprintf(`
resource "mlops_serving_runtime" "vllm" {
  name         = %q
  cluster_wide = true
  formats      = [{ name = %q, auto_select = false }]
  container    = { image = "ghcr.io/acme/server:1", command = ["serve"] }
  disabled     = false
}
`, name, name)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkRuntimeDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rtAddr, tfjsonpath.New("id"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(rtAddr, tfjsonpath.New("namespace"), knownvalue.Null()),
				},
			},
			{
				ResourceName: rtAddr, ImportState: true, ImportStateId: name, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				Config: cfg,
				Check: func(*terraform.State) error {
					return acctest.Kube(t).Resource(serving.ClusterServingRuntimeGVR).Delete(context.Background(), name, metav1.DeleteOptions{})
				},
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(rtAddr, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

func TestAccServingRuntime_identity(t *testing.T) {
	ns := acctest.Namespace(t)
	cfg := vllmRuntime(ns, "vllm/vllm-openai:v0.6.3")
	step := acctest.ImportByIdentity(rtAddr)
	step.Config = cfg
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		TerraformVersionChecks:   acctest.IdentityVersions,
		CheckDestroy:             checkRuntimeDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(rtAddr, map[string]knownvalue.Check{
						"namespace": knownvalue.StringExact(ns), "name": knownvalue.StringExact("vllm"),
					}),
				},
			},
			step,
		},
	})
}

func TestAccServingRuntime_validation(t *testing.T) {
	cfg := func(body string) string {
		return "resource \"mlops_serving_runtime\" \"vllm\" {\n  name = \"vllm\"\n" + body + "\n}\n"
	}
	container := `  container = { image = "vllm:1" }`
	cases := []struct{ body, want string }{
		{`  formats = []` + "\n" + container, `(?s)formats.*list must contain at least 1 elements`},
		{`  formats = [{ name = "vllm" }]` + "\n  protocols = [\"v3\"]\n" + container, `(?s)protocols.*value must be one of`},
		{`  formats = [{ name = "vllm" }]` + "\n  namespace = \"ml\"\n  cluster_wide = true\n" + container, `(?s)Invalid Attribute Combination`},
		{`  formats = [{ name = "vllm" }]` + "\n  container = { image = \"vllm:1\", resources = { cpu = \"2\", limits = { cpu = \"1\" } } }",
			`(?s)Limit below request.*The\s+cpu\s+limit\s+1\s+is\s+below\s+the\s+request\s+2`},
	}
	steps := []resource.TestStep{
		{Config: cfg(`  formats = [{ name = "vllm" }]` + "\n" + container), ResourceName: rtAddr, ImportState: true, ImportStateId: "a/b/c",
			ExpectError: regexp.MustCompile("(?s)The import ID of mlops_serving_runtime is\\s+`<namespace>/<name>`")},
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
