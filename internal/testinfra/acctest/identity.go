package acctest

import (
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// IdentityVersions runs a test only where Terraform has resource identity:
// Terraform 1.12 and later, and OpenTofu 1.12 and later. scripts/test.sh runs
// the tests named *_identity with OpenTofu and leaves them out of the
// Terraform 1.5.7 run, so none is skipped.
var IdentityVersions = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)}

// ImportByIdentity is a step that imports the resource at addr again with
// an import block that gives its identity (`import { to = addr, identity =
// {...} }`) taken from the state. The testing framework fails the step
// unless the import plans no change and the imported identity is the same.
func ImportByIdentity(addr string) resource.TestStep {
	return resource.TestStep{
		ResourceName:    addr,
		ImportState:     true,
		ImportStateKind: resource.ImportBlockWithResourceIdentity,
	}
}
