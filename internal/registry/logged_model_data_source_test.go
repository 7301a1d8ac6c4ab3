package registry_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// A logged model read by its id, and the newest of two of a name in an
// experiment of the test's own, whose source registers a version in the
// same configuration.
func TestAccDataSourceLoggedModel_basic(t *testing.T) {
	name := acctest.RandomName("lm")
	experiment := acctest.RandomName("lm-exp")
	runs := acctest.LogModels(t, experiment, "churn", 2) // runs[1] is the newer
	const ds = "data.mlops_logged_model."
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkModelVersionDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
data "mlops_logged_model" "by_id" {
  model_id = %[1]q
}

data "mlops_logged_model" "newest" {
  experiment = %[2]q
  name       = "churn"
}

resource "mlops_registered_model" "test" { name = %[3]q }

resource "mlops_model_version" "test" {
  model_name = mlops_registered_model.test.name
  source     = data.mlops_logged_model.newest.source
}
`, runs[0].ModelID, experiment, name),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds+"by_id", tfjsonpath.New("id"), knownvalue.StringExact(runs[0].ModelID)),
					statecheck.ExpectKnownValue(ds+"by_id", tfjsonpath.New("model_id"), knownvalue.StringExact(runs[0].ModelID)),
					statecheck.ExpectKnownValue(ds+"by_id", tfjsonpath.New("name"), knownvalue.StringExact("churn")),
					statecheck.ExpectKnownValue(ds+"by_id", tfjsonpath.New("experiment"), knownvalue.Null()),
					statecheck.ExpectKnownValue(ds+"by_id", tfjsonpath.New("source"), knownvalue.StringExact(runs[0].LoggedModelURI)),
					statecheck.ExpectKnownValue(ds+"by_id", tfjsonpath.New("run_id"), knownvalue.StringExact(runs[0].RunID)),
					statecheck.ExpectKnownValue(ds+"by_id", tfjsonpath.New("status"), knownvalue.StringExact("LOGGED_MODEL_READY")),
					statecheck.ExpectKnownValue(ds+"by_id", tfjsonpath.New("artifact_uri"), knownvalue.StringRegexp(regexp.MustCompile(runs[0].ModelID))),
					statecheck.ExpectKnownValue(ds+"by_id", tfjsonpath.New("metrics"), metricsExact(runs[0].TrainAccuracy, runs[0].Accuracy)),
					statecheck.ExpectKnownValue(ds+"by_id", tfjsonpath.New("params"), paramsExact(runs[0].Params, runs[0].RunParams)),
					// MLflow's own tags are kept as they are.
					statecheck.ExpectKnownValue(ds+"by_id", tfjsonpath.New("tags"), knownvalue.MapPartial(map[string]knownvalue.Check{
						"mlflow.source.name": knownvalue.StringRegexp(regexp.MustCompile(`log_model\.py$`)),
					})),
					statecheck.ExpectKnownValue(ds+"newest", tfjsonpath.New("model_id"), knownvalue.StringExact(runs[1].ModelID)),
					statecheck.ExpectKnownValue(ds+"newest", tfjsonpath.New("run_id"), knownvalue.StringExact(runs[1].RunID)),
					statecheck.ExpectKnownValue(ds+"newest", tfjsonpath.New("metrics"), metricsExact(runs[1].TrainAccuracy, runs[1].Accuracy)),
					statecheck.ExpectKnownValue(ds+"newest", tfjsonpath.New("params"), paramsExact(runs[1].Params, runs[1].RunParams)),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("source"), knownvalue.StringExact(runs[1].LoggedModelURI)),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("model_id"), knownvalue.StringExact(runs[1].ModelID)),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("run_id"), knownvalue.StringExact(runs[1].RunID)),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("status"), knownvalue.StringExact("READY")),
				},
			},
		},
	})
}

// Any combination but model_id alone, or experiment and name together, is
// refused at plan, naming the attributes.
func TestAccDataSourceLoggedModel_badCombination(t *testing.T) {
	var steps []resource.TestStep
	for _, tc := range []struct{ body, set string }{
		{``, "none of them is set"},
		{`name = "churn"`, "set here: name"},
		{`experiment = "exp"`, "set here: experiment"},
		{`model_id = "m-1"` + "\n" + `name = "churn"`, "set here: model_id, name"},
		{`model_id = "m-1"` + "\n" + `experiment = "exp"`, "set here: model_id, experiment"},
		{`model_id = "m-1"` + "\n" + `experiment = "exp"` + "\n" + `name = "churn"`, "set here: model_id, experiment, name"},
	} {
		steps = append(steps, resource.TestStep{
			Config:      fmt.Sprintf("data \"mlops_logged_model\" \"bad\" {\n%s\n}\n", tc.body),
			ExpectError: spaced(`(?s)Invalid Attribute Combination.*either by model_id, or by experiment and name together.*` + regexp.QuoteMeta(tc.set)),
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

// spaced compiles pattern with each space matching any run of white space:
// Terraform wraps long error lines.
func spaced(pattern string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(pattern, " ", `\s+`))
}

// A logged model that does not exist: the error names what was looked for.
func TestAccDataSourceLoggedModel_notFound(t *testing.T) {
	experiment := acctest.RandomName("lm-exp")
	acctest.LogModels(t, experiment, "churn", 1)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      `data "mlops_logged_model" "missing" { model_id = "m-00000000000000000000000000000000" }`,
				ExpectError: spaced(`(?s)Error reading logged model.*No logged model has the model_id "m-00000000000000000000000000000000".*not found`),
			},
			{
				Config: fmt.Sprintf(`
data "mlops_logged_model" "missing" {
  experiment = %q
  name       = "no-such-model"
}
`, experiment),
				ExpectError: spaced(fmt.Sprintf(`(?s)Error reading logged model.*No logged model named "no-such-model" was found in the experiment %q`, experiment)),
			},
			{
				Config: `
data "mlops_logged_model" "missing" {
  experiment = "tfacc-no-such-experiment"
  name       = "churn"
}
`,
				ExpectError: spaced(`(?s)No logged model named "churn" was found in the experiment "tfacc-no-such-experiment".*Could not find experiment`),
			},
		},
	})
}
