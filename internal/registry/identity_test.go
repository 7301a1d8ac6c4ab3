package registry_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// Each registry resource has an identity in the state, and imports by it
// (`import { identity = {...} }`) with no change. A renamed model changes
// its identity (the name) in place.
func TestAccRegistry_identity(t *testing.T) {
	name := acctest.RandomName("ident")
	runs := acctest.LoggedRuns(t)
	cfg := modelAliasConfig(name, runs, "champion", "one")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		TerraformVersionChecks:   acctest.IdentityVersions,
		CheckDestroy:             checkRegisteredModelDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(rmAddr, map[string]knownvalue.Check{"name": knownvalue.StringExact(name)}),
					statecheck.ExpectIdentity("mlops_model_version.one", map[string]knownvalue.Check{
						"model_name": knownvalue.StringExact(name), "version": knownvalue.StringExact("1"),
					}),
					statecheck.ExpectIdentity(aliasAddr, map[string]knownvalue.Check{
						"model_name": knownvalue.StringExact(name), "alias": knownvalue.StringExact("champion"),
					}),
				},
			},
			withConfig(acctest.ImportByIdentity(rmAddr), cfg),
			withConfig(acctest.ImportByIdentity("mlops_model_version.one"), cfg),
			withConfig(acctest.ImportByIdentity("mlops_model_version.two"), cfg),
			withConfig(acctest.ImportByIdentity(aliasAddr), cfg),
			{
				// A rename is an in-place update that moves the identity.
				Config: modelAliasConfig(name+"-renamed", runs, "champion", "one"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(rmAddr, map[string]knownvalue.Check{"name": knownvalue.StringExact(name + "-renamed")}),
				},
			},
		},
	})
}

func TestAccRegistryWebhook_identity(t *testing.T) {
	name := acctest.RandomName("hook")
	srv, _ := receiver(t)
	// No secret: MLflow never returns it, so an import cannot plan no change
	// for a configuration that sets one (secret_wo is the way to avoid that).
	cfg := fmt.Sprintf(`
resource "mlops_registry_webhook" "test" {
  name   = %q
  url    = %q
  events = ["registered_model.created"]
}
`, name, srv.URL+"/hooks/identity")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		TerraformVersionChecks:   acctest.IdentityVersions,
		CheckDestroy:             checkWebhookDestroy(t),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentityValueMatchesState(webhookAddr, tfjsonpath.New("id")),
				},
			},
			withConfig(acctest.ImportByIdentity(webhookAddr), cfg),
		},
	})
}

func withConfig(step resource.TestStep, cfg string) resource.TestStep {
	step.Config = cfg
	return step
}

// secret_wo through a real OpenTofu 1.12 (write-only attributes need
// Terraform or OpenTofu 1.11+): the delivery is signed with it, the state
// never holds it, and a new secret_wo_version sends a new one.
func TestAccRegistryWebhook_writeOnlyConfig(t *testing.T) {
	name := acctest.RandomName("wohook")
	srv, deliveries := receiver(t)
	cfg := func(secret string, version int) string {
		return fmt.Sprintf(`
resource "mlops_registry_webhook" "test" {
  name              = %q
  url               = %q
  events            = ["registered_model.created"]
  secret_wo         = %q
  secret_wo_version = %d
}
`, name, srv.URL+"/hooks/wo", secret, version)
	}
	delivered := func(secret string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			for _, rs := range s.RootModule().Resources {
				for k, v := range rs.Primary.Attributes {
					if strings.Contains(v, secret) {
						return fmt.Errorf("the state holds the write-only secret in %s", k)
					}
				}
			}
			return deliveries.deliveredSigned(t, "wo-model", secret)
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		CheckDestroy:             checkWebhookDestroy(t),
		Steps: []resource.TestStep{
			{Config: cfg("first-wo-s3cr3t", 1), Check: delivered("first-wo-s3cr3t")},
			{Config: cfg("second-wo-s3cr3t", 2), Check: delivered("second-wo-s3cr3t")},
		},
	})
}
