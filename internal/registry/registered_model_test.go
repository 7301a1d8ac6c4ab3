package registry_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

const rmAddr = "mlops_registered_model.test"

func TestAccRegisteredModel_basic(t *testing.T) {
	name := acctest.RandomName("rm")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkRegisteredModelDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: registeredModelConfig(name, "first", `{ team = "risk", tier = "gold" }`, false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(rmAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(rmAddr, tfjsonpath.New("id"), knownvalue.StringExact(name)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rmAddr, tfjsonpath.New("id"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(rmAddr, tfjsonpath.New("name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(rmAddr, tfjsonpath.New("description"), knownvalue.StringExact("first")),
					statecheck.ExpectKnownValue(rmAddr, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{
						"team": knownvalue.StringExact("risk"), "tier": knownvalue.StringExact("gold"),
					})),
					statecheck.ExpectKnownValue(rmAddr, tfjsonpath.New("force_destroy"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(rmAddr, tfjsonpath.New("creation_timestamp"), knownvalue.Int64Func(positive)),
				},
			},
			{
				ResourceName:            rmAddr,
				ImportState:             true,
				ImportStateId:           name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// Description and tags change in place.
				Config: registeredModelConfig(name, "second", `{ team = "fraud" }`, false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(rmAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rmAddr, tfjsonpath.New("description"), knownvalue.StringExact("second")),
					statecheck.ExpectKnownValue(rmAddr, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{
						"team": knownvalue.StringExact("fraud"),
					})),
					checkLiveModelTags(t, name, map[string]string{"team": "fraud"}),
				},
			},
			{
				// Removing description and tags clears them.
				Config: fmt.Sprintf(`resource "mlops_registered_model" "test" { name = %q }`, name),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(rmAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rmAddr, tfjsonpath.New("description"), knownvalue.Null()),
					statecheck.ExpectKnownValue(rmAddr, tfjsonpath.New("tags"), knownvalue.Null()),
					checkLiveModelTags(t, name, map[string]string{}),
				},
			},
		},
	})
}

// Renaming is an in-place update, and the versions follow the model.
func TestAccRegisteredModel_renameKeepsVersions(t *testing.T) {
	name, renamed := acctest.RandomName("rm"), acctest.RandomName("rm-renamed")
	run := acctest.LoggedRuns(t)[0]
	c := acctest.MLflow(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkRegisteredModelDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: registeredModelConfig(name, "", "null", true),
				Check: func(*terraform.State) error {
					// A version registered outside Terraform (by a training job, say).
					_, err := c.CreateModelVersion(acctest.Context(t), mlflow.CreateModelVersionInput{Name: name, Source: run.ModelURI, RunID: run.RunID})
					return err
				},
			},
			{
				Config: registeredModelConfig(renamed, "", "null", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(rmAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rmAddr, tfjsonpath.New("id"), knownvalue.StringExact(renamed)),
					statecheck.ExpectKnownValue(rmAddr, tfjsonpath.New("name"), knownvalue.StringExact(renamed)),
				},
				Check: func(*terraform.State) error {
					mv, err := c.GetModelVersion(acctest.Context(t), renamed, "1")
					if err != nil {
						return fmt.Errorf("version 1 did not survive the rename: %w", err)
					}
					if mv.Source != run.ModelURI {
						return fmt.Errorf("version 1 source = %q, want %q", mv.Source, run.ModelURI)
					}
					if _, err := c.GetRegisteredModel(acctest.Context(t), name); !mlflow.IsNotFound(err) {
						return fmt.Errorf("the old name %q still answers: %w", name, err)
					}
					return nil
				},
			},
		},
	})
}

// Without force_destroy, destroying a model with versions is refused and
// deletes nothing; with it, the model and its versions go.
func TestAccRegisteredModel_forceDestroy(t *testing.T) {
	name := acctest.RandomName("rm")
	run := acctest.LoggedRuns(t)[0]
	c := acctest.MLflow(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkRegisteredModelDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: registeredModelConfig(name, "", "null", false),
				Check: func(*terraform.State) error {
					for range 2 {
						if _, err := c.CreateModelVersion(acctest.Context(t), mlflow.CreateModelVersionInput{Name: name, Source: run.ModelURI, RunID: run.RunID}); err != nil {
							return err
						}
					}
					return nil
				},
			},
			{
				Config:      registeredModelConfig(name, "", "null", false),
				Destroy:     true,
				ExpectError: regexp.MustCompile(`(?s)still has 2 version\(s\): 1, 2\.\s+Nothing was deleted`),
			},
			{
				Config: registeredModelConfig(name, "", "null", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: func(*terraform.State) error {
					for _, v := range []string{"1", "2"} {
						if _, err := c.GetModelVersion(acctest.Context(t), name, v); err != nil {
							return fmt.Errorf("version %s was deleted by a refused destroy: %w", v, err)
						}
					}
					return nil
				},
			},
			{
				Config: registeredModelConfig(name, "", "null", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(rmAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rmAddr, tfjsonpath.New("force_destroy"), knownvalue.Bool(true)),
				},
			},
		},
	})
}

func TestAccRegisteredModel_disappears(t *testing.T) {
	name := acctest.RandomName("rm")
	c := acctest.MLflow(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkRegisteredModelDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: registeredModelConfig(name, "d", "null", false),
				Check: func(*terraform.State) error {
					return c.DeleteRegisteredModel(acctest.Context(t), name)
				},
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(rmAddr, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

// A tag added outside Terraform shows as a diff and is removed on apply;
// system tags (mlflow.*) are left alone.
func TestAccRegisteredModel_tagDrift(t *testing.T) {
	name := acctest.RandomName("rm")
	c := acctest.MLflow(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkRegisteredModelDestroy(t),
		Steps: []resource.TestStep{
			{Config: registeredModelConfig(name, "", `{ owner = "ml" }`, false)},
			{
				PreConfig: func() {
					ctx := acctest.Context(t)
					if err := c.SetRegisteredModelTag(ctx, name, "added-by-hand", "x"); err != nil {
						t.Fatal(err)
					}
					if err := c.SetRegisteredModelTag(ctx, name, "mlflow.system", "kept"); err != nil {
						t.Fatal(err)
					}
				},
				Config: registeredModelConfig(name, "", `{ owner = "ml" }`, false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(rmAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					checkLiveModelTags(t, name, map[string]string{"owner": "ml", "mlflow.system": "kept"}),
				},
			},
		},
	})
}

func TestAccRegisteredModel_validation(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      `resource "mlops_registered_model" "test" { name = "" }`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid model name.*with mlops_registered_model.test.*name = "".*a model name cannot be empty`),
			},
			{
				Config:      `resource "mlops_registered_model" "test" { name = "   " }`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Invalid model name`),
			},
			// MLflow's own rules, checked at plan with the error on the
			// attribute (the server refuses each of these at apply).
			{
				Config:      "resource \"mlops_registered_model\" \"test\" {\n  name = \"team/churn\"\n}",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid model name.*2:   name = "team/churn".*has '/' or ':', which MLflow refuses`),
			},
			{
				Config:      "resource \"mlops_registered_model\" \"test\" {\n  name = \"churn:v2\"\n}",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid model name.*2:   name = "churn:v2".*has '/' or ':'`),
			},
			{
				Config:      "resource \"mlops_registered_model\" \"test\" {\n  name = \"churn\"\n  tags = { \"\" = \"x\" }\n}",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid tag key.*3:   tags = \{ "" = "x" \}.*a tag key cannot be empty`),
			},
			{
				Config:        `resource "mlops_registered_model" "test" { name = "x" }`,
				ResourceName:  rmAddr,
				ImportState:   true,
				ImportStateId: acctest.RandomName("missing"),
				ExpectError:   regexp.MustCompile(`Cannot import non-existent remote object`),
			},
		},
	})
}

func registeredModelConfig(name, description, tags string, forceDestroy bool) string {
	desc := "null"
	if description != "" {
		desc = fmt.Sprintf("%q", description)
	}
	return fmt.Sprintf(`
resource "mlops_registered_model" "test" {
  name          = %q
  description   = %s
  tags          = %s
  force_destroy = %t
}
`, name, desc, tags, forceDestroy)
}

func positive(v int64) error {
	if v <= 0 {
		return fmt.Errorf("want a positive number, got %d", v)
	}
	return nil
}

// checkRegisteredModelDestroy checks with the production finder that no
// model of the test's state is left.
func checkRegisteredModelDestroy(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		c := acctest.MLflow(t)
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "mlops_registered_model" {
				continue
			}
			_, err := c.GetRegisteredModel(context.Background(), rs.Primary.Attributes["name"])
			if err == nil {
				return fmt.Errorf("registered model %s still exists", rs.Primary.Attributes["name"])
			}
			if !mlflow.IsNotFound(err) {
				return err
			}
		}
		return nil
	}
}

// checkLiveModelTags compares the server's tags of the model with want.
func checkLiveModelTags(t *testing.T, name string, want map[string]string) statecheck.StateCheck {
	return acctest.LiveCheck(func() error {
		rm, err := acctest.MLflow(t).GetRegisteredModel(context.Background(), name)
		if err != nil {
			return err
		}
		got := mlflow.TagMap(rm.Tags)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("tags of %s on the server = %v, want %v", name, got, want)
		}
		return nil
	})
}
