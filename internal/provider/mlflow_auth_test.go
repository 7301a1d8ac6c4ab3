package provider_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// tokenGateway is a reverse proxy in front of the real MLflow server that
// requires a bearer token, as a company's gateway in front of MLflow does
// (MLflow's own authentication app takes basic auth only). A request with
// the token reaches MLflow as the admin when the server runs the
// authentication app, else without credentials; any other gets 401. It
// counts the requests it refused.
func tokenGateway(t *testing.T, token string) (string, *atomic.Int32) {
	t.Helper()
	target, err := url.Parse(os.Getenv("MLFLOW_TRACKING_URI"))
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	user, password := os.Getenv("MLFLOW_TRACKING_USERNAME"), os.Getenv("MLFLOW_TRACKING_PASSWORD")
	var refused atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			refused.Add(1)
			http.Error(w, "a bearer token is required", http.StatusUnauthorized)
			return
		}
		r.Header.Del("Authorization")
		if user != "" {
			r.SetBasicAuth(user, password)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &refused
}

// clearMLflowCredentials leaves only what the test's provider block gives.
func clearMLflowCredentials(t *testing.T) {
	for _, v := range []string{"MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"} {
		t.Setenv(v, "")
	}
}

// mlflow.token reaches a server that requires a bearer token: a model is
// created, read and destroyed through the gateway; a wrong token fails at
// the first call with an error that names the setting, after one request
// (a refused credential is not retried).
func TestAccProvider_mlflowToken(t *testing.T) {
	acctest.PreCheckMLflow(t)
	gateway, refused := tokenGateway(t, "s3cr3t-token")
	clearMLflowCredentials(t)
	name := acctest.RandomName("token")
	config := func(token string) string {
		return fmt.Sprintf(`
provider "mlops" {
  mlflow = { tracking_uri = %q, token = %q }
}
resource "mlops_registered_model" "test" { name = %q }
`, gateway, token, name)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config("s3cr3t-token"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("mlops_registered_model.test", tfjsonpath.New("creation_timestamp"), knownvalue.NotNull()),
					acctest.LiveCheck(func() error {
						if n := refused.Load(); n != 0 {
							return fmt.Errorf("the gateway refused %d requests", n)
						}
						return nil
					}),
				},
			},
			{
				Config:      config("wrong-token"),
				ExpectError: regexp.MustCompile(`(?s)refused the credentials of\s+mlflow\.token\s+\(MLFLOW_TRACKING_TOKEN\)`),
			},
			{
				// The wrong token's refresh was refused once, not retried.
				Config: config("s3cr3t-token"),
				ConfigStateChecks: []statecheck.StateCheck{acctest.LiveCheck(func() error {
					if n := refused.Load(); n != 1 {
						return fmt.Errorf("the gateway refused %d requests of the wrong token, want 1 (no retries)", n)
					}
					return nil
				})},
			},
		},
	})
}

// A wrong password against MLflow's authentication app fails at the first
// call, naming the settings to check; the right one works (the rest of the
// OpenTofu run authenticates so).
func TestAccProvider_mlflowPassword_mlflowAuth(t *testing.T) {
	acctest.PreCheckMLflowAuth(t)
	user, password := os.Getenv("MLFLOW_TRACKING_USERNAME"), os.Getenv("MLFLOW_TRACKING_PASSWORD")
	clearMLflowCredentials(t)
	name := acctest.RandomName("password")
	config := func(password string) string {
		return fmt.Sprintf(`
provider "mlops" {
  mlflow = { tracking_uri = %q, username = %q, password = %q }
}
resource "mlops_registered_model" "test" { name = %q }
`, os.Getenv("MLFLOW_TRACKING_URI"), user, password, name)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config("wrong-" + password),
				ExpectError: regexp.MustCompile(`(?s)refused the credentials of\s+mlflow\.username/mlflow\.password.*HTTP\s+401`),
			},
			{
				Config: config(password),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("mlops_registered_model.test", tfjsonpath.New("creation_timestamp"), knownvalue.NotNull()),
				},
			},
		},
	})
}
