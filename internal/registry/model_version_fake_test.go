package registry_test

// Registration failures and slow registrations cannot be produced on demand
// by an open-source MLflow server (it registers synchronously), so these
// tests run the provider against a small httptest fake of the three
// endpoints involved. Everything else is tested against the real server.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// fakeRegistry registers versions whose status follows script: the status
// of version N is script(N, reads) where reads counts its GETs so far.
type fakeRegistry struct {
	mu      sync.Mutex
	next    int
	reads   map[string]int
	deleted map[string]bool
	script  func(version, reads int) (status, message string)
}

func newFakeRegistry(t *testing.T, script func(version, reads int) (string, string)) *httptest.Server {
	f := &fakeRegistry{reads: map[string]int{}, deleted: map[string]bool{}, script: script}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}

func (f *fakeRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	version := r.URL.Query().Get("version")
	mv := func(v string) map[string]any {
		n, _ := strconv.Atoi(v)
		status, msg := f.script(n, f.reads[v])
		return map[string]any{"model_version": map[string]any{
			"name": "fake", "version": v, "source": "s3://bucket/model", "run_id": "run1",
			"current_stage": "None", "status": status, "status_message": msg, "creation_timestamp": 1,
		}}
	}
	switch r.URL.Path {
	case "/api/2.0/mlflow/model-versions/create":
		f.next++
		_ = json.NewEncoder(w).Encode(mv(strconv.Itoa(f.next)))
	case "/api/2.0/mlflow/model-versions/get":
		if f.deleted[version] {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"gone"}`)
			return
		}
		f.reads[version]++
		_ = json.NewEncoder(w).Encode(mv(version))
	case "/api/2.0/mlflow/model-versions/get-download-uri":
		fmt.Fprint(w, `{"artifact_uri":"s3://bucket/model"}`)
	case "/api/2.0/mlflow/model-versions/delete":
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.deleted[body["version"]] = true
		fmt.Fprint(w, `{}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error_code":"ENDPOINT_NOT_FOUND","message":"no %s in the fake"}`, r.URL.Path)
	}
}

func fakeVersionConfig(url, extra string) string {
	return fmt.Sprintf(`
provider "mlops" {
  mlflow = {
    tracking_uri = %q
    max_retries  = 0
  }
}

resource "mlops_model_version" "test" {
  model_name = "fake"
  source     = "s3://bucket/model"
  %s
}
`, url, extra)
}

// FAILED_REGISTRATION fails the apply with MLflow's message, keeps the
// version in the state, and the next apply replaces it.
func TestAccModelVersion_failedRegistration(t *testing.T) {
	srv := newFakeRegistry(t, func(version, reads int) (string, string) {
		switch {
		case version == 1 && reads < 2:
			return "PENDING_REGISTRATION", ""
		case version == 1:
			return "FAILED_REGISTRATION", "could not copy the artifacts: access denied"
		default:
			return "READY", ""
		}
	})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      fakeVersionConfig(srv.URL, ""),
				ExpectError: regexp.MustCompile(`(?s)status FAILED_REGISTRATION: could not copy the artifacts: access\s+denied.*replaced on the next apply`),
			},
			{
				Config: fakeVersionConfig(srv.URL, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(mvAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("version"), knownvalue.StringExact("2")),
					statecheck.ExpectKnownValue(mvAddr, tfjsonpath.New("status"), knownvalue.StringExact("READY")),
				},
			},
		},
	})
}

// A registration that stays pending past timeouts.create fails with the
// last status, and the version stays in the state (tainted).
func TestAccModelVersion_registrationTimeout(t *testing.T) {
	srv := newFakeRegistry(t, func(version, _ int) (string, string) {
		if version == 1 {
			return "PENDING_REGISTRATION", "copying"
		}
		return "READY", ""
	})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      fakeVersionConfig(srv.URL, `timeouts { create = "2s" }`),
				ExpectError: regexp.MustCompile(`(?s)did not become READY.*Last status:\s+PENDING_REGISTRATION.*timeouts.create`),
			},
			{
				Config: fakeVersionConfig(srv.URL, `timeouts { create = "2s" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(mvAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
			},
		},
	})
}
