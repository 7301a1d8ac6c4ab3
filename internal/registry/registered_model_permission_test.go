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
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

const permAddr = "mlops_registered_model_permission.test"

func permissionConfig(name, user, permission string) string {
	cfg := fmt.Sprintf(`
resource "mlops_registered_model" "m" {
  name = %q
}
`, name)
	if permission == "" {
		return cfg
	}
	return cfg + fmt.Sprintf(`
resource "mlops_registered_model_permission" "test" {
  model_name = mlops_registered_model.m.name
  username   = %q
  permission = %q
}
`, user, permission)
}

// userCan checks, with the user's own credentials against the real MLflow,
// whether the user may read and edit the model.
func userCan(user *mlflow.Client, name string, read, edit bool) acctest.LiveCheck {
	return func() error {
		ctx := context.Background()
		_, err := user.GetRegisteredModel(ctx, name)
		if got := err == nil; got != read || (err != nil && !mlflow.IsPermissionDenied(err)) {
			return fmt.Errorf("the user reading %s: err %w, want allowed=%v (else 403)", name, err, read)
		}
		// The description the configuration gives (none): an edit that
		// changes nothing, but MLflow checks the permission all the same.
		err = user.UpdateRegisteredModel(ctx, name, "")
		if got := err == nil; got != edit || (err != nil && !mlflow.IsPermissionDenied(err)) {
			return fmt.Errorf("the user editing %s: err %w, want allowed=%v (else 403)", name, err, edit)
		}
		return nil
	}
}

// A permission applied by Terraform is what MLflow's authentication app
// enforces: the user gets 403 before the grant, can read with READ, edit
// with EDIT, and gets 403 again once it is destroyed. Changes made outside
// Terraform show as a diff; import by ID and by identity.
func TestAccRegisteredModelPermission_mlflowAuth(t *testing.T) {
	name := acctest.RandomName("perm")
	username := acctest.RandomName("user")
	user := acctest.MLflowUser(t, username)
	admin := acctest.MLflow(t)
	grant := mlflow.Grant{Username: username, ResourceType: mlflow.ResourceRegisteredModel, ResourceID: name}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflowAuth(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		TerraformVersionChecks:   acctest.IdentityVersions,
		Steps: []resource.TestStep{
			{
				Config:            permissionConfig(name, username, ""),
				ConfigStateChecks: []statecheck.StateCheck{userCan(user, name, false, false)},
			},
			{
				Config: permissionConfig(name, username, "READ"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(permAddr, tfjsonpath.New("id"), knownvalue.StringExact(name+"/"+username)),
					statecheck.ExpectIdentity(permAddr, map[string]knownvalue.Check{"model_name": knownvalue.StringExact(name), "username": knownvalue.StringExact(username)}),
					userCan(user, name, true, false),
				},
			},
			{
				Config: permissionConfig(name, username, "EDIT"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(permAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{userCan(user, name, true, true)},
			},
			{ResourceName: permAddr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}, ImportStateId: name + "/" + username},
			withConfig(acctest.ImportByIdentity(permAddr), permissionConfig(name, username, "EDIT")),
			{
				// Changed outside Terraform: the plan puts EDIT back.
				PreConfig: func() {
					ctx := acctest.Context(t)
					if err := admin.RevokePermission(ctx, grant); err != nil {
						t.Fatal(err)
					}
					manage := grant
					manage.Permission = "MANAGE"
					if err := admin.GrantPermission(ctx, manage); err != nil {
						t.Fatal(err)
					}
				},
				Config: permissionConfig(name, username, "EDIT"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(permAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{checkGrant(admin, grant, "EDIT")},
			},
			{
				// Revoked outside Terraform: the plan grants it again.
				PreConfig: func() {
					if err := admin.RevokePermission(acctest.Context(t), grant); err != nil {
						t.Fatal(err)
					}
				},
				Config: permissionConfig(name, username, "EDIT"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(permAddr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{checkGrant(admin, grant, "EDIT")},
			},
			{
				// Destroyed: revoked, and the user is refused again.
				Config:            permissionConfig(name, username, ""),
				ConfigStateChecks: []statecheck.StateCheck{userCan(user, name, false, false)},
			},
		},
	})
}

func checkGrant(admin *mlflow.Client, grant mlflow.Grant, want string) acctest.LiveCheck {
	return func() error {
		g, err := admin.GetGrant(context.Background(), grant.Username, grant.ResourceType, grant.ResourceID)
		if err != nil || g.Permission != want {
			return fmt.Errorf("the live grant is %+v (err %w), want %s", g, err, want)
		}
		return nil
	}
}

// A user MLflow does not know is refused with what to do; a grant that
// exists already is refused with the import command.
func TestAccRegisteredModelPermission_refusals_mlflowAuth(t *testing.T) {
	name := acctest.RandomName("perm")
	username := acctest.RandomName("user")
	acctest.MLflowUser(t, username)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflowAuth(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      permissionConfig(name, "nobody-"+username, "READ"),
				ExpectError: regexp.MustCompile(`(?s)has no user "nobody-` + username + `".*create\s+the\s+user\s+first`),
			},
			{
				PreConfig: func() {
					g := mlflow.Grant{Username: username, ResourceType: mlflow.ResourceRegisteredModel, ResourceID: name, Permission: "USE"}
					if err := acctest.MLflow(t).GrantPermission(acctest.Context(t), g); err != nil {
						t.Fatal(err)
					}
				},
				Config:      permissionConfig(name, username, "READ"),
				ExpectError: regexp.MustCompile(`(?s)has a permission on the model\s+.*already.*terraform\s+import\s+<address>\s+` + regexp.QuoteMeta(name+"/"+username)),
			},
		},
	})
}

// Values MLflow would refuse are refused at plan time, on the attribute.
func TestAccRegisteredModelPermission_validation(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      permissionConfig("m", "alice", "WRITE"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)permission.*value must be one of.*"READ".*"NO_PERMISSIONS"`),
			},
			{
				Config:      permissionConfig("m", " ", "READ"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Empty value.*username.*only white space`),
			},
		},
	})
}
