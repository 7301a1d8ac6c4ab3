package registry_test

import (
	"context"
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

	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

const mvAddr = "mlops_model_version.test"

func TestAccModelVersion_basic(t *testing.T) {
	name := acctest.RandomName("mv")
	runs := acctest.LoggedRuns(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkModelVersionDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: modelVersionConfig(name, runs[0].ModelURI, `"first"`, `{ dataset = "2026-11" }`, "null"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("id"), knownvalue.StringExact(name+"/1")),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("version"), knownvalue.StringExact("1")),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("status"), knownvalue.StringExact("READY")),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("source"), knownvalue.StringExact(runs[0].ModelURI)),
					// run_id comes from the runs:/ source.
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("run_id"), knownvalue.StringExact(runs[0].RunID)),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("stage"), knownvalue.StringExact("None")),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("storage_location"), knownvalue.StringRegexp(regexp.MustCompile(`\S+`))),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("aliases"), knownvalue.SetExact(nil)),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("description"), knownvalue.StringExact("first")),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{
						"dataset": knownvalue.StringExact("2026-11"),
					})),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("creation_timestamp"), knownvalue.Int64Func(positive)),
				},
			},
			{
				ResourceName:            mvAddr,
				ImportState:             true,
				ImportStateId:           name + "/1",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// Description, tags and stage change in place.
				Config: modelVersionConfig(name, runs[0].ModelURI, `"second"`, `{ dataset = "2026-12", owner = "ml" }`, `"Staging"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(mvAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("version"), knownvalue.StringExact("1")),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("description"), knownvalue.StringExact("second")),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("stage"), knownvalue.StringExact("Staging")),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{
						"dataset": knownvalue.StringExact("2026-12"), "owner": knownvalue.StringExact("ml"),
					})),
					acctest.LiveCheck(func() error {
						mv, err := acctest.MLflow(t).GetModelVersion(context.Background(), name, "1")
						if err != nil {
							return err
						}
						if mv.CurrentStage != "Staging" || mv.Description != "second" {
							return fmt.Errorf("server has stage %q description %q", mv.CurrentStage, mv.Description)
						}
						return nil
					}),
				},
			},
			{
				// A new source replaces the version: MLflow assigns version 2.
				Config: modelVersionConfig(name, runs[1].ModelURI, `"second"`, `{ dataset = "2026-12", owner = "ml" }`, `"Staging"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(mvAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("version"), knownvalue.StringExact("2")),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("run_id"), knownvalue.StringExact(runs[1].RunID)),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("stage"), knownvalue.StringExact("Staging")),
					acctest.LiveCheck(func() error {
						_, err := acctest.MLflow(t).GetModelVersion(context.Background(), name, "1")
						if !mlflow.IsNotFound(err) {
							return fmt.Errorf("version 1 should be gone after the replacement, got %w", err)
						}
						return nil
					}),
				},
			},
		},
	})
}

// A version made from an MLflow 3 logged model (models:/m-…) with model_id.
func TestAccModelVersion_loggedModel(t *testing.T) {
	name := acctest.RandomName("mv")
	run := acctest.LoggedRuns(t)[0]
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkModelVersionDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "mlops_registered_model" "test" { name = %q }

resource "mlops_model_version" "test" {
  model_name = mlops_registered_model.test.name
  source     = %q
  model_id   = %q
  stage      = "Production"
}
`, name, run.LoggedModelURI, run.ModelID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("source"), knownvalue.StringExact(run.LoggedModelURI)),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("model_id"), knownvalue.StringExact(run.ModelID)),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("run_id"), knownvalue.StringExact(run.RunID)),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("stage"), knownvalue.StringExact("Production")),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("status"), knownvalue.StringExact("READY")),
				},
			},
		},
	})
}

// A version registered outside Terraform from a logged model (models:/m-…),
// imported with a configuration that sets model_id: MLflow does not echo
// model_id, so import reads it from the source, and the import plans no
// change (before, model_id forced a replacement that deleted the version).
func TestAccModelVersion_importLoggedModel(t *testing.T) {
	name := acctest.RandomName("mv")
	run := acctest.LoggedRuns(t)[0]
	c := acctest.MLflow(t)
	ctx := acctest.Context(t)
	if _, err := c.CreateRegisteredModel(ctx, mlflow.CreateRegisteredModelInput{Name: name}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.DeleteRegisteredModel(context.Background(), name) })
	if _, err := c.CreateModelVersion(ctx, mlflow.CreateModelVersionInput{Name: name, Source: run.LoggedModelURI, ModelID: run.ModelID}); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`
resource "mlops_model_version" "test" {
  model_name = %q
  source     = %q
  model_id   = %q
}
`, name, run.LoggedModelURI, run.ModelID)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkModelVersionDestroy(t),
		Steps: []resource.TestStep{
			{
				// An import block: the framework fails the step unless the
				// import plans no change beyond the import itself.
				Config:          cfg,
				ResourceName:    mvAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   name + "/1",
			},
			{
				// The same import applied: no change, and the plan after it
				// is empty (the framework checks that).
				Config: cfg + fmt.Sprintf(`
import {
  to = mlops_model_version.test
  id = "%s/1"
}
`, name),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(mvAddr, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("version"), knownvalue.StringExact("1")),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("model_id"), knownvalue.StringExact(run.ModelID)),
				},
				Check: func(*terraform.State) error {
					// Still the user's version 1, and no second one.
					versions, err := c.SearchModelVersions(acctest.Context(t), fmt.Sprintf("name='%s'", name))
					if err != nil {
						return err
					}
					if len(versions) != 1 || versions[0].Version != "1" {
						return fmt.Errorf("want only version 1 of %s, got %+v", name, versions)
					}
					return nil
				},
			},
		},
	})
}

func TestAccModelVersion_disappears(t *testing.T) {
	name := acctest.RandomName("mv")
	run := acctest.LoggedRuns(t)[0]
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkModelVersionDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: modelVersionConfig(name, run.ModelURI, "null", "null", "null"),
				Check: func(*terraform.State) error {
					return acctest.MLflow(t).DeleteModelVersion(acctest.Context(t), name, "1")
				},
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(mvAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction(rmAddr, plancheck.ResourceActionNoop),
				}},
			},
		},
	})
}

// Tags and description changed outside Terraform show as a diff and are put
// back; a stage changed outside Terraform shows when stage is managed.
func TestAccModelVersion_drift(t *testing.T) {
	name := acctest.RandomName("mv")
	run := acctest.LoggedRuns(t)[0]
	c := acctest.MLflow(t)
	cfg := modelVersionConfig(name, run.ModelURI, `"kept"`, `{ owner = "ml" }`, `"Staging"`)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkModelVersionDestroy(t),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					ctx := acctest.Context(t)
					for _, err := range []error{
						c.SetModelVersionTag(ctx, name, "1", "added-by-hand", "x"),
						c.UpdateModelVersion(ctx, name, "1", "edited by hand"),
						func() error { _, err := c.TransitionModelVersionStage(ctx, name, "1", "Archived", false); return err }(),
					} {
						if err != nil {
							t.Fatal(err)
						}
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(mvAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(mvAddr, tfjsonpath.New("stage"), knownvalue.StringExact("Staging")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.LiveCheck(func() error {
						mv, err := c.GetModelVersion(context.Background(), name, "1")
						if err != nil {
							return err
						}
						tags := mlflow.TagMap(mv.Tags)
						if mv.Description != "kept" || mv.CurrentStage != "Staging" || tags["added-by-hand"] != "" || tags["owner"] != "ml" {
							return fmt.Errorf("drift not undone: description %q stage %q tags %v", mv.Description, mv.CurrentStage, tags)
						}
						return nil
					}),
				},
			},
		},
	})
}

func TestAccModelVersion_validation(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      modelVersionConfig("m", "runs:/abc/model", "null", "null", `"Prod"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Match.*stage.*must be one of: \["None" "Staging" "Production"\s+"Archived"\], got: "Prod"`),
			},
			{
				Config:      "resource \"mlops_model_version\" \"test\" {\n  model_name = \"\"\n  source = \"runs:/abc/model\"\n}",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid model name.*model_name = "".*a model name cannot be empty`),
			},
			{
				Config:      "resource \"mlops_model_version\" \"test\" {\n  model_name = \"m\"\n  source = \"\"\n}",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid model version source.*source = "".*the source cannot be empty`),
			},
			{
				Config:      "resource \"mlops_model_version\" \"test\" {\n  model_name = \"team/m\"\n  source = \"runs:/abc/model\"\n}",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid model name.*2:   model_name = "team/m"`),
			},
			{
				Config:      "resource \"mlops_model_version\" \"test\" {\n  model_name = \"m\"\n  source = \"/srv/models/churn\"\n}",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid model version source.*3:   source = "/srv/models/churn".*has no URI scheme`),
			},
			{
				Config:      "resource \"mlops_model_version\" \"test\" {\n  model_name = \"m\"\n  source = \"runs:/abc/model\"\n  tags = { \"\" = \"x\" }\n}",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid tag key.*4:   tags = \{ "" = "x" \}.*a tag key cannot be empty`),
			},
			{
				Config:        "resource \"mlops_model_version\" \"test\" {\n  model_name = \"m\"\n  source = \"runs:/abc/model\"\n}",
				ResourceName:  mvAddr,
				ImportState:   true,
				ImportStateId: "no-version-here",
				ExpectError:   regexp.MustCompile("(?s)The import ID of mlops_model_version is\\s+`<model_name>/<version>`"),
			},
			{
				Config:        "resource \"mlops_model_version\" \"test\" {\n  model_name = \"m\"\n  source = \"runs:/abc/model\"\n}",
				ResourceName:  mvAddr,
				ImportState:   true,
				ImportStateId: "m/latest",
				ExpectError:   regexp.MustCompile(`Invalid import ID`),
			},
		},
	})
}

func modelVersionConfig(name, source, description, tags, stage string) string {
	return fmt.Sprintf(`
resource "mlops_registered_model" "test" {
  name = %q
}

resource "mlops_model_version" "test" {
  model_name  = mlops_registered_model.test.name
  source      = %q
  description = %s
  tags        = %s
  stage       = %s
}
`, name, source, description, tags, stage)
}

func checkModelVersionDestroy(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		c := acctest.MLflow(t)
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "mlops_model_version" {
				continue
			}
			id := rs.Primary.Attributes["id"]
			i := strings.LastIndex(id, "/")
			_, err := c.GetModelVersion(context.Background(), id[:i], id[i+1:])
			if err == nil {
				return fmt.Errorf("model version %s still exists", id)
			}
			if !mlflow.IsNotFound(err) {
				return err
			}
		}
		return checkRegisteredModelDestroy(t)(s)
	}
}
