package registry_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// requestCounter is a reverse proxy in front of the real MLflow server that
// counts the requests it passes on, by method and API path (what follows
// /api/<version>/mlflow/).
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func newRequestCounter(t *testing.T) (*requestCounter, string) {
	t.Helper()
	target, err := url.Parse(os.Getenv("MLFLOW_TRACKING_URI"))
	if err != nil {
		t.Fatal(err)
	}
	rc := &requestCounter{counts: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, api, _ := strings.Cut(r.URL.Path, "/mlflow/")
		rc.mu.Lock()
		rc.counts[r.Method+" "+api]++
		rc.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

// take returns the counts so far and starts again from zero.
func (rc *requestCounter) take() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.counts
	rc.counts = map[string]int{}
	return out
}

// A refresh is one GET per resource: a plan that changes nothing reads the
// model, the version and the alias once each per refresh, and asks nothing
// else (in particular not the version's download URI, which MLflow fixes
// when it creates the version).
func TestAccRegistry_oneGETPerRefresh(t *testing.T) {
	acctest.PreCheckMLflow(t)
	runs := acctest.LoggedRuns(t)
	counter, proxy := newRequestCounter(t)
	name := acctest.RandomName("gets")
	config := fmt.Sprintf(`
provider "mlops" {
  mlflow = { tracking_uri = %q }
}
resource "mlops_registered_model" "test" {
  name = %q
}
resource "mlops_model_version" "test" {
  model_name = mlops_registered_model.test.name
  source     = %q
}
resource "mlops_model_alias" "test" {
  model_name = mlops_registered_model.test.name
  alias      = "champion"
  version    = mlops_model_version.test.version
}
`, proxy, name, runs[0].ModelURI)
	want := []string{"GET model-versions/get", "GET registered-models/alias", "GET registered-models/get"} // sorted
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{PreConfig: func() { counter.take() }, Config: config, PlanOnly: true},
			{
				PreConfig: func() {
					got := counter.take()
					keys := make([]string, 0, len(got))
					for k := range got {
						keys = append(keys, k)
					}
					sort.Strings(keys)
					refreshes := got[want[0]]
					if strings.Join(keys, ", ") != strings.Join(want, ", ") || refreshes == 0 ||
						got[want[1]] != refreshes || got[want[2]] != refreshes {
						t.Fatalf("the no-op plans sent %v; want only %v, once each per refresh", got, want)
					}
				},
				Config:   config,
				PlanOnly: true,
			},
		},
	})
}
