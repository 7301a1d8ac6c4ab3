package registry_test

// An alias that is gone the moment after it is set cannot be produced on
// demand by a real MLflow server (it would take a second client racing the
// apply), so this test runs the provider against a small httptest fake of
// the alias endpoints: setting the alias succeeds, reading it finds nothing.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

func TestAccModelAlias_vanishesAfterCreate(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/api/2.0/mlflow/registered-models/alias" && r.Method != http.MethodGet {
			fmt.Fprint(w, `{}`) // set (or, on destroy, delete) succeeds
			return
		}
		w.WriteHeader(http.StatusNotFound) // the alias, read before and after the set, is not there
		fmt.Fprint(w, `{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Registered model alias champion not found."}`)
	}))
	t.Cleanup(srv.Close)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "mlops" {
  mlflow = {
    tracking_uri = %q
    max_retries  = 0
  }
}

resource "mlops_model_alias" "test" {
  model_name = "fake"
  alias      = "champion"
  version    = "1"
}
`, srv.URL),
			// Terraform wraps the message: any white space between the words.
			ExpectError: regexp.MustCompile(strings.ReplaceAll(`(?s)Error creating model alias.*was set to version 1, but it was gone when read back.*Nothing is recorded in the state`, " ", `\s+`)),
		}},
	})
}
