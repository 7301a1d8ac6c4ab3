package registry_test

import (
	"fmt"
	"regexp"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// dataSourceFixture is a model with versions 1 and 2 (from different runs),
// a third version from run 0 again, the alias champion on version 2, and
// tags on the model.
func dataSourceFixture(name string, runs []acctest.LoggedRun) string {
	return modelAliasConfig(name, runs, "champion", "two") + fmt.Sprintf(`
resource "mlops_model_version" "three" {
  model_name = mlops_registered_model.test.name
  source     = %q
  tags       = { validated = "true" }
  depends_on = [mlops_model_version.two]
}
`, runs[0].ModelURI)
}

func TestAccDataSourceRegisteredModel_basic(t *testing.T) {
	name := acctest.RandomName("ds")
	runs := acctest.LoggedRuns(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkModelAliasDestroy(t),
		Steps: []resource.TestStep{
			{Config: dataSourceFixture(name, runs)},
			{
				Config: dataSourceFixture(name, runs) + fmt.Sprintf(`
data "mlops_registered_model" "test" {
  name = %q
}
`, name),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.mlops_registered_model.test", tfjsonpath.New("id"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue("data.mlops_registered_model.test", tfjsonpath.New("latest_version"), knownvalue.StringExact("3")),
					statecheck.ExpectKnownValue("data.mlops_registered_model.test", tfjsonpath.New("aliases"),
						knownvalue.MapExact(map[string]knownvalue.Check{"champion": knownvalue.StringExact("2")})),
					statecheck.ExpectKnownValue("data.mlops_registered_model.test", tfjsonpath.New("creation_timestamp"), knownvalue.Int64Func(positive)),
				},
			},
		},
	})
}

func TestAccDataSourceModelVersion_basic(t *testing.T) {
	name := acctest.RandomName("ds")
	runs := acctest.LoggedRuns(t)
	const ds = "data.mlops_model_version."
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkModelAliasDestroy(t),
		Steps: []resource.TestStep{
			{Config: dataSourceFixture(name, runs)},
			{
				Config: dataSourceFixture(name, runs) + fmt.Sprintf(`
data "mlops_model_version" "by_version" {
  model_name = %[1]q
  version    = "1"
}

data "mlops_model_version" "by_alias" {
  model_name = %[1]q
  alias      = "champion"
}

data "mlops_model_version" "latest_ready" {
  model_name = %[1]q
}
`, name),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds+"by_version", tfjsonpath.New("id"), knownvalue.StringExact(name+"/1")),
					statecheck.ExpectKnownValue(ds+"by_version", tfjsonpath.New("run_id"), knownvalue.StringExact(runs[0].RunID)),
					statecheck.ExpectKnownValue(ds+"by_version", tfjsonpath.New("source"), knownvalue.StringExact(runs[0].ModelURI)),
					statecheck.ExpectKnownValue(ds+"by_version", tfjsonpath.New("status"), knownvalue.StringExact("READY")),
					statecheck.ExpectKnownValue(ds+"by_version", tfjsonpath.New("storage_location"), knownvalue.StringRegexp(regexp.MustCompile(`\S+`))),
					statecheck.ExpectKnownValue(ds+"by_alias", tfjsonpath.New("version"), knownvalue.StringExact("2")),
					statecheck.ExpectKnownValue(ds+"by_alias", tfjsonpath.New("run_id"), knownvalue.StringExact(runs[1].RunID)),
					statecheck.ExpectKnownValue(ds+"by_alias", tfjsonpath.New("aliases"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("champion")})),
					statecheck.ExpectKnownValue(ds+"latest_ready", tfjsonpath.New("version"), knownvalue.StringExact("3")),
					statecheck.ExpectKnownValue(ds+"latest_ready", tfjsonpath.New("tags"),
						knownvalue.MapPartial(map[string]knownvalue.Check{"validated": knownvalue.StringExact("true")})),
				},
			},
			{
				Config: dataSourceFixture(name, runs) + fmt.Sprintf(`
data "mlops_model_version" "both" {
  model_name = %q
  version    = "1"
  alias      = "champion"
}
`, name),
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination.*version.*alias`),
			},
			{
				Config: dataSourceFixture(name, runs) + fmt.Sprintf(`
data "mlops_model_version" "missing" {
  model_name = %q
  alias      = "nobody"
}
`, name),
				ExpectError: regexp.MustCompile(`(?s)Error resolving the alias of model alias.*Registered model alias nobody not found`),
			},
		},
	})
}

// With no READY version, the highest-READY lookup fails with a clear error.
func TestAccDataSourceModelVersion_noReadyVersion(t *testing.T) {
	name := acctest.RandomName("ds")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkRegisteredModelDestroy(t),
		Steps: []resource.TestStep{
			{Config: fmt.Sprintf(`resource "mlops_registered_model" "test" { name = %q }`, name)},
			{
				Config: fmt.Sprintf(`
resource "mlops_registered_model" "test" { name = %[1]q }

data "mlops_model_version" "latest" {
  model_name = mlops_registered_model.test.name
}
`, name),
				ExpectError: regexp.MustCompile(`(?s)has no version whose status is\s+READY`),
			},
		},
	})
}

func TestAccDataSourceModelVersions_basic(t *testing.T) {
	name := acctest.RandomName("ds")
	runs := acctest.LoggedRuns(t)
	const ds = "data.mlops_model_versions."
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkModelAliasDestroy(t),
		Steps: []resource.TestStep{
			{Config: dataSourceFixture(name, runs)},
			{
				Config: dataSourceFixture(name, runs) + fmt.Sprintf(`
data "mlops_model_versions" "all" {
  model_name = %[1]q
}

data "mlops_model_versions" "from_run0" {
  model_name = %[1]q
  filter     = "run_id = '%[2]s'"
}

data "mlops_model_versions" "validated" {
  model_name = %[1]q
  filter     = "tags.validated = 'true'"
}
`, name, runs[0].RunID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds+"all", tfjsonpath.New("versions"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"version": knownvalue.StringExact("3"), "run_id": knownvalue.StringExact(runs[0].RunID)}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"version": knownvalue.StringExact("2"),
							"aliases": knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("champion")}),
						}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"version": knownvalue.StringExact("1"), "status": knownvalue.StringExact("READY")}),
					})),
					statecheck.ExpectKnownValue(ds+"from_run0", tfjsonpath.New("versions"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"version": knownvalue.StringExact("3")}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"version": knownvalue.StringExact("1")}),
					})),
					statecheck.ExpectKnownValue(ds+"validated", tfjsonpath.New("versions"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"version": knownvalue.StringExact("3")}),
					})),
				},
			},
			{
				Config: dataSourceFixture(name, runs) + fmt.Sprintf(`
data "mlops_model_versions" "bad" {
  model_name = %q
  filter     = "colour ~ 'blue'"
}
`, name),
				ExpectError: regexp.MustCompile(`(?s)MLflow refused the search filter`),
			},
		},
	})
}

// More versions than one search page holds: every page is read. The page
// size is the server's maximum (1000), so this registers 1001 versions
// outside Terraform first, four at a time.
func TestAccDataSourceModelVersions_allPages(t *testing.T) {
	name := acctest.RandomName("ds")
	run := acctest.LoggedRuns(t)[0]
	c := acctest.MLflow(t)
	const n = mlflow.SearchPageSize + 1
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkRegisteredModelDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "mlops_registered_model" "test" {
  name          = %q
  force_destroy = true
}
`, name),
				Check: func(*terraform.State) error {
					ctx := acctest.Context(t)
					g, ctx := errgroup.WithContext(ctx)
					g.SetLimit(4)
					for range n {
						g.Go(func() error {
							_, err := c.CreateModelVersion(ctx, mlflow.CreateModelVersionInput{Name: name, Source: run.ModelURI, RunID: run.RunID})
							return err
						})
					}
					return g.Wait()
				},
			},
			{
				Config: fmt.Sprintf(`
resource "mlops_registered_model" "test" {
  name          = %q
  force_destroy = true
}

data "mlops_model_versions" "all" {
  model_name = mlops_registered_model.test.name
}

output "count" { value = length(data.mlops_model_versions.all.versions) }
output "first" { value = data.mlops_model_versions.all.versions[0].version }
output "last"  { value = data.mlops_model_versions.all.versions[%d].version }
`, name, n-1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("count", knownvalue.Int64Exact(n)),
					statecheck.ExpectKnownOutputValue("first", knownvalue.StringExact(fmt.Sprint(n))),
					statecheck.ExpectKnownOutputValue("last", knownvalue.StringExact("1")),
				},
			},
		},
	})
}

// metrics and params come from the version's logged model when it has one
// (here from a models:/<model_id> source, model_id set by the resource),
// else from its run (a runs:/ source: MLflow sets no model_id), and a plan
// can gate on them.
func TestAccDataSourceModelVersion_lineage(t *testing.T) {
	name := acctest.RandomName("ds")
	runs := acctest.LoggedRuns(t)
	const ds = "data.mlops_model_version."
	config := func(threshold string) string {
		return fmt.Sprintf(`
resource "mlops_registered_model" "test" { name = %[1]q }

resource "mlops_model_version" "logged" {
  model_name = mlops_registered_model.test.name
  source     = %[2]q
}

resource "mlops_model_version" "run" {
  model_name = mlops_registered_model.test.name
  source     = %[3]q
  depends_on = [mlops_model_version.logged]
}

data "mlops_model_version" "logged" {
  model_name = mlops_registered_model.test.name
  version    = mlops_model_version.logged.version
}

data "mlops_model_version" "run" {
  model_name = mlops_registered_model.test.name
  version    = mlops_model_version.run.version
}

output "gate" {
  value = data.mlops_model_version.logged.metrics["accuracy"]
  precondition {
    condition     = data.mlops_model_version.logged.metrics["accuracy"] >= %[4]s
    error_message = "The model's accuracy is below %[4]s."
  }
}
`, name, runs[0].LoggedModelURI, runs[1].ModelURI, threshold)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkModelVersionDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: config("0.9"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds+"logged", tfjsonpath.New("model_id"), knownvalue.StringExact(runs[0].ModelID)),
					statecheck.ExpectKnownValue(ds+"logged", tfjsonpath.New("metrics"), metricsExact(runs[0].TrainAccuracy, runs[0].Accuracy)),
					statecheck.ExpectKnownValue(ds+"logged", tfjsonpath.New("params"), paramsExact(runs[0].Params, runs[0].RunParams)),
					statecheck.ExpectKnownValue(ds+"run", tfjsonpath.New("model_id"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(ds+"run", tfjsonpath.New("run_id"), knownvalue.StringExact(runs[1].RunID)),
					// A metric logged with the model's id is the run's too
					// (it was logged while the run was active); the model's
					// own parameters are not.
					statecheck.ExpectKnownValue(ds+"run", tfjsonpath.New("metrics"), metricsExact(runs[1].TrainAccuracy, runs[1].Accuracy)),
					statecheck.ExpectKnownValue(ds+"run", tfjsonpath.New("params"), paramsExact(runs[1].RunParams)),
					statecheck.ExpectKnownOutputValue("gate", knownvalue.Float64Exact(runs[0].Accuracy)),
				},
			},
			{
				Config:      config("1.01"),
				ExpectError: regexp.MustCompile(`(?s)The model's accuracy is below\s+1\.01`),
			},
		},
	})
}

// metricsExact checks the metrics scripts/log_model.py logs.
func metricsExact(trainAccuracy, accuracy float64) knownvalue.Check {
	return knownvalue.MapExact(map[string]knownvalue.Check{
		"train_accuracy": knownvalue.Float64Exact(trainAccuracy),
		"accuracy":       knownvalue.Float64Exact(accuracy),
	})
}

// paramsExact checks a map of parameters: all of those given, no other.
func paramsExact(params ...map[string]string) knownvalue.Check {
	want := map[string]knownvalue.Check{}
	for _, p := range params {
		for k, v := range p {
			want[k] = knownvalue.StringExact(v)
		}
	}
	return knownvalue.MapExact(want)
}
