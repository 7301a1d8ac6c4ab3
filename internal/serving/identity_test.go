package serving_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// The endpoint's identity is its namespace and name, and it imports by it
// with no change.
func TestAccEndpoint_identity(t *testing.T) {
	ns := acctest.Namespace(t)
	cfg := storageEndpoint(ns, "ident", "s3://models/ident/1", "")
	step := acctest.ImportByIdentity(epAddr)
	step.Config = cfg
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		TerraformVersionChecks:   acctest.IdentityVersions,
		CheckDestroy:             checkEndpointDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(epAddr, map[string]knownvalue.Check{
						"namespace": knownvalue.StringExact(ns), "name": knownvalue.StringExact("ident"),
					}),
				},
			},
			step,
		},
	})
}
