package provider_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sync"
	"testing"

	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/provider"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

func TestProviderSchema_secretsAreSensitive(t *testing.T) {
	p := provider.New("test")()
	var resp fwprovider.SchemaResponse
	p.Schema(context.Background(), fwprovider.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if diags := resp.Schema.ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatal(diags)
	}
	for block, attrs := range map[string][]string{
		"mlflow":     {"token", "password"},
		"kubernetes": {"token", "client_key"},
	} {
		nested := resp.Schema.Attributes[block].(schema.SingleNestedAttribute)
		for _, name := range attrs {
			if !nested.Attributes[name].IsSensitive() {
				t.Errorf("%s.%s must be sensitive", block, name)
			}
		}
	}
}

// A registry resource without a tracking URI fails at plan time, naming
// the attribute and the environment variable.
func TestAccProvider_missingTrackingURI(t *testing.T) {
	t.Setenv("MLFLOW_TRACKING_URI", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      `resource "mlops_registered_model" "test" { name = "x" }`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)MLflow tracking URI not configured.*mlflow.tracking_uri.*MLFLOW_TRACKING_URI`),
			},
			{
				Config:      `data "mlops_registered_model" "test" { name = "x" }`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)MLflow tracking URI not configured.*MLFLOW_TRACKING_URI`),
			},
		},
	})
}

func TestAccProvider_invalidSettings(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
provider "mlops" {
  mlflow = { tracking_uri = "http://127.0.0.1:1", request_timeout = "soon" }
}
data "mlops_registered_model" "test" { name = "x" }
`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid duration.*"soon" is not a positive duration`),
			},
			{
				Config: `
provider "mlops" {
  mlflow = { tracking_uri = "file:///tmp/mlruns" }
}
data "mlops_registered_model" "test" { name = "x" }
`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)tracking_uri.*must be an http:// or https:// URL`),
			},
			{
				Config: `
provider "mlops" {
  namespace = "Not_A_Label"
}
data "mlops_registered_model" "test" { name = "x" }
`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid name.*"Not_A_Label" is not a DNS label`),
			},
		},
	})
}

// authServer answers registered-models/get and records the Authorization
// header of each request.
func authServer(t *testing.T) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		fmt.Fprint(w, `{"registered_model":{"name":"x","creation_timestamp":1,"last_updated_timestamp":2}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// Credentials from the provider block and from the environment reach the
// server; Basic auth wins over the token.
func TestAccProvider_credentials(t *testing.T) {
	bearer, bearerSeen := authServer(t)
	basic, basicSeen := authServer(t)
	t.Setenv("MLFLOW_TRACKING_TOKEN", "env-token")
	// The suite may run against MLflow's authentication app, whose admin
	// credentials are in the environment: they would win over the token.
	t.Setenv("MLFLOW_TRACKING_USERNAME", "")
	t.Setenv("MLFLOW_TRACKING_PASSWORD", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
provider "mlops" {
  mlflow = { tracking_uri = %q }
}
data "mlops_registered_model" "test" { name = "x" }
`, bearer.URL),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.mlops_registered_model.test", tfjsonpath.New("last_updated_timestamp"), knownvalue.Int64Exact(2)),
				},
			},
			{
				Config: fmt.Sprintf(`
provider "mlops" {
  mlflow = { tracking_uri = %q, username = "ci", password = "pw", token = "ignored" }
}
data "mlops_registered_model" "test" { name = "x" }
`, basic.URL),
			},
		},
	})
	for _, h := range bearerSeen() {
		if h != "Bearer env-token" {
			t.Errorf("Authorization = %q, want the token from MLFLOW_TRACKING_TOKEN", h)
		}
	}
	for _, h := range basicSeen() {
		if h != "Basic Y2k6cHc=" { // ci:pw
			t.Errorf("Authorization = %q, want Basic auth (it wins over the token)", h)
		}
	}
	if len(bearerSeen()) == 0 || len(basicSeen()) == 0 {
		t.Fatal("the servers saw no request")
	}
}

// A data source (which has no timeouts) whose request outlives
// mlflow.request_timeout, against the real MLflow server: the error names
// mlflow.request_timeout, not a resource's timeouts.
func TestAccProvider_requestTimeoutAdvice(t *testing.T) {
	acctest.PreCheckMLflow(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "mlops" {
  mlflow = { tracking_uri = %q, request_timeout = "1ns", max_retries = 0 }
}
data "mlops_registered_model" "test" { name = "request-timeout" }
`, os.Getenv("MLFLOW_TRACKING_URI")),
			ExpectError: regexp.MustCompile(`(?s)no answer within mlflow.request_timeout \(1ns;.*Raise mlflow.request_timeout`),
		}},
	})
}
