package pipelines_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// The pipeline's identity is its namespace and name, and it imports by it
// with no change.
func TestAccPipeline_identity(t *testing.T) {
	ns := acctest.Namespace(t)
	cfg := pipelineConfig(ns, `{ name = "train", image = "python:3.11-slim" }`, `schedule = { cron = ["0 3 * * *"] }`)
	step := acctest.ImportByIdentity(plAddr)
	step.Config = cfg
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		TerraformVersionChecks:   acctest.IdentityVersions,
		CheckDestroy:             checkPipelineDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					lintAll{t},
					statecheck.ExpectIdentity(plAddr, map[string]knownvalue.Check{
						"namespace": knownvalue.StringExact(ns), "name": knownvalue.StringExact("churn-retrain"),
					}),
				},
			},
			step,
		},
	})
}
