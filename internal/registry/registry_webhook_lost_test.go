package registry_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// A webhook whose create answer is lost is found and recorded, not made a
// second time (issue 18). The real MLflow makes the webhook; a proxy in
// front of it, which the provider talks to, answers that one create with a
// 502 instead of MLflow's answer, as a gateway does when the server's
// answer does not reach it.
func TestAccRegistryWebhook_lostCreateAnswer(t *testing.T) {
	acctest.PreCheckMLflow(t)
	name := acctest.RandomName("hook")
	srv, _ := receiver(t)
	hookURL := srv.URL + "/hooks/lost"
	target, err := url.Parse(os.Getenv("MLFLOW_TRACKING_URI"))
	if err != nil {
		t.Fatal(err)
	}
	var lost atomic.Int32
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.Request.Method == http.MethodPost && strings.HasSuffix(r.Request.URL.Path, "/mlflow/webhooks") && lost.Add(1) == 1 {
			return errors.New("the answer is lost") // the proxy answers 502
		}
		return nil
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	config := fmt.Sprintf("provider \"mlops\" {\n  mlflow = { tracking_uri = %q }\n}\n", front.URL) +
		webhookConfig(name, hookURL, `["registered_model.created"]`, "ACTIVE", "s3cr3t")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkWebhookDestroy(t),
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(s *terraform.State) error {
				if lost.Load() != 1 {
					return fmt.Errorf("the provider sent %d creates, want 1 (whose answer was lost)", lost.Load())
				}
				hooks, err := acctest.MLflow(t).ListWebhooks(acctest.Context(t))
				if err != nil {
					return err
				}
				var ids []string
				for _, h := range hooks {
					if h.Name == name {
						ids = append(ids, h.ID)
					}
				}
				if got := s.RootModule().Resources[webhookAddr].Primary.ID; len(ids) != 1 || ids[0] != got {
					return fmt.Errorf("MLflow has the webhooks %v named %s, the state records %q: want one, recorded", ids, name, got)
				}
				return nil
			},
		}},
	})
}
