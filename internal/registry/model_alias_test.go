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

const aliasAddr = "mlops_model_alias.test"

func TestAccModelAlias_basic(t *testing.T) {
	name := acctest.RandomName("alias")
	runs := acctest.LoggedRuns(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkModelAliasDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: modelAliasConfig(name, runs, "champion", "one"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(aliasAddr, tfjsonpath.New("id"), knownvalue.StringExact(name+"@champion")),
					statecheck.ExpectKnownValue(aliasAddr, tfjsonpath.New("version"), knownvalue.StringExact("1")),
					checkLiveAlias(t, name, "champion", "1"),
				},
			},
			{
				// The version's computed aliases report the alias after a refresh.
				Config: modelAliasConfig(name, runs, "champion", "one"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("mlops_model_version.one", tfjsonpath.New("aliases"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("champion")})),
				},
			},
			{
				ResourceName:            aliasAddr,
				ImportState:             true,
				ImportStateId:           name + "@champion",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// Moving the alias is an in-place update.
				Config: modelAliasConfig(name, runs, "champion", "two"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(aliasAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(aliasAddr, tfjsonpath.New("version"), knownvalue.StringExact("2")),
					checkLiveAlias(t, name, "champion", "2"),
				},
			},
			{
				// Renaming the alias replaces it.
				Config: modelAliasConfig(name, runs, "challenger", "two"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(aliasAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(aliasAddr, tfjsonpath.New("id"), knownvalue.StringExact(name+"@challenger")),
					checkLiveAlias(t, name, "challenger", "2"),
					acctest.LiveCheck(func() error {
						_, err := acctest.MLflow(t).GetModelVersionByAlias(context.Background(), name, "champion")
						if !mlflow.IsNotFound(err) {
							return fmt.Errorf("the old alias champion should be gone, got %w", err)
						}
						return nil
					}),
				},
			},
		},
	})
}

// An alias moved outside Terraform shows as a diff on version and is moved back.
func TestAccModelAlias_movedOutside(t *testing.T) {
	name := acctest.RandomName("alias")
	runs := acctest.LoggedRuns(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkModelAliasDestroy(t),
		Steps: []resource.TestStep{
			{Config: modelAliasConfig(name, runs, "champion", "one")},
			{
				PreConfig: func() {
					if err := acctest.MLflow(t).SetAlias(acctest.Context(t), name, "champion", "2"); err != nil {
						t.Fatal(err)
					}
				},
				Config: modelAliasConfig(name, runs, "champion", "one"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(aliasAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(aliasAddr, tfjsonpath.New("version"), knownvalue.StringExact("1")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{checkLiveAlias(t, name, "champion", "1")},
			},
		},
	})
}

// An alias deleted outside Terraform is planned for creation.
func TestAccModelAlias_disappears(t *testing.T) {
	name := acctest.RandomName("alias")
	runs := acctest.LoggedRuns(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkModelAliasDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: modelAliasConfig(name, runs, "champion", "one"),
				Check: func(*terraform.State) error {
					return acctest.MLflow(t).DeleteAlias(acctest.Context(t), name, "champion")
				},
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(aliasAddr, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

// Creating an alias that exists already is refused instead of silently
// taking it over.
func TestAccModelAlias_existing(t *testing.T) {
	name := acctest.RandomName("alias")
	runs := acctest.LoggedRuns(t)
	base := modelAliasConfig(name, runs, "", "")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkModelAliasDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: base,
				Check: func(*terraform.State) error {
					return acctest.MLflow(t).SetAlias(acctest.Context(t), name, "prod", "2")
				},
			},
			{
				Config:      modelAliasConfig(name, runs, "prod", "one"),
				ExpectError: regexp.MustCompile(`(?s)The alias "prod" of model "` + regexp.QuoteMeta(name) + `" exists already.*version 2`),
			},
			{
				// The alias made outside Terraform is untouched.
				Config:            base,
				ConfigStateChecks: []statecheck.StateCheck{checkLiveAlias(t, name, "prod", "2")},
			},
		},
	})
}

func TestAccModelAlias_validation(t *testing.T) {
	cfg := func(alias, version string) string {
		return fmt.Sprintf(`
resource "mlops_model_alias" "test" {
  model_name = "m"
  alias      = %q
  version    = %q
}
`, alias, version)
	}
	steps := []resource.TestStep{}
	for alias, want := range map[string]string{
		"latest":                 `"latest" is reserved by MLflow`,
		"Latest":                 `"latest" is reserved by MLflow`,
		"v3":                     `"v3" looks like a version reference`,
		"V12":                    `"V12" looks like a version reference`,
		"":                       `an alias cannot be empty`,
		strings.Repeat("a", 256): `an alias has at most 255 bytes, this one has 256`,
		"prod/champion":          `"prod/champion" has a character other than ASCII letters`,
		"champiön":               `"champiön" has a character other than ASCII letters`,
	} {
		steps = append(steps, resource.TestStep{
			Config:      cfg(alias, "1"),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Invalid model alias.*with mlops_model_alias.test.*4:   alias      = .*` + regexp.QuoteMeta(want)),
		})
	}
	steps = append(steps,
		resource.TestStep{
			Config:      strings.Replace(cfg("champion", "1"), `"m"`, `"team/m"`, 1),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Invalid model name.*3:   model_name = "team/m".*has '/' or ':'`),
		},
		resource.TestStep{
			Config:      cfg("champion", "v1"),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Invalid model version.*"v1" is not a model version number`),
		},
		resource.TestStep{
			Config:        cfg("champion", "1"),
			ResourceName:  aliasAddr,
			ImportState:   true,
			ImportStateId: "m-champion",
			ExpectError:   regexp.MustCompile("(?s)The import ID of mlops_model_alias is\\s+`<model_name>@<alias>`"),
		},
	)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

// modelAliasConfig makes a model with two versions, "one" and "two", and,
// when alias is not empty, the alias pointing at the version named target.
func modelAliasConfig(name string, runs []acctest.LoggedRun, alias, target string) string {
	cfg := fmt.Sprintf(`
resource "mlops_registered_model" "test" {
  name = %q
}

resource "mlops_model_version" "one" {
  model_name = mlops_registered_model.test.name
  source     = %q
}

resource "mlops_model_version" "two" {
  model_name = mlops_registered_model.test.name
  source     = %q
  depends_on = [mlops_model_version.one]
}
`, name, runs[0].ModelURI, runs[1].ModelURI)
	if alias != "" {
		cfg += fmt.Sprintf(`
resource "mlops_model_alias" "test" {
  model_name = mlops_registered_model.test.name
  alias      = %q
  version    = mlops_model_version.%s.version
}
`, alias, target)
	}
	return cfg
}

func checkLiveAlias(t *testing.T, name, alias, version string) statecheck.StateCheck {
	return acctest.LiveCheck(func() error {
		mv, err := acctest.MLflow(t).GetModelVersionByAlias(context.Background(), name, alias)
		if err != nil {
			return err
		}
		if mv.Version != version {
			return fmt.Errorf("alias %s@%s points at version %s on the server, want %s", name, alias, mv.Version, version)
		}
		return nil
	})
}

func checkModelAliasDestroy(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		c := acctest.MLflow(t)
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "mlops_model_alias" {
				continue
			}
			_, err := c.GetModelVersionByAlias(context.Background(), rs.Primary.Attributes["model_name"], rs.Primary.Attributes["alias"])
			if err == nil {
				return fmt.Errorf("alias %s still exists", rs.Primary.ID)
			}
			if !mlflow.IsNotFound(err) {
				return err
			}
		}
		return checkModelVersionDestroy(t)(s)
	}
}
