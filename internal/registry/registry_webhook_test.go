package registry_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

const webhookAddr = "mlops_registry_webhook.test"

func webhookConfig(name, url, events, status, secret string) string {
	return fmt.Sprintf(`
resource "mlops_registry_webhook" "test" {
  name        = %q
  description = "evaluate new versions"
  url         = %q
  events      = %s
  status      = %q
  secret      = %q
}
`, name, url, events, status, secret)
}

func checkWebhookDestroy(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "mlops_registry_webhook" {
				continue
			}
			_, err := acctest.MLflow(t).GetWebhook(acctest.Context(t), rs.Primary.ID)
			if err == nil {
				return fmt.Errorf("webhook %s still exists", rs.Primary.ID)
			}
			if !mlflow.IsNotFound(err) {
				return err
			}
		}
		return nil
	}
}

// receiver is an HTTP server on loopback that records MLflow's deliveries.
// It never blocks: webhooks are registry-wide, so it also receives the
// events of every other test (a thousand versions, say), and a slow
// receiver would hold MLflow's delivery workers.
type delivery struct {
	header http.Header
	body   []byte
}

type deliveries struct {
	mu  sync.Mutex
	got []delivery
}

// waitFor returns the first delivery of entity.action for model, or an error
// once timeout passes.
func (ds *deliveries) waitFor(entity, action, model string, timeout time.Duration) (delivery, error) {
	var found delivery
	err := acctest.Eventually(timeout, func() error {
		ds.mu.Lock()
		defer ds.mu.Unlock()
		for _, d := range ds.got {
			var body struct {
				Entity, Action string
				Data           map[string]any
			}
			if json.Unmarshal(d.body, &body) == nil && body.Entity == entity && body.Action == action && body.Data["name"] == model {
				found = d
				return nil
			}
		}
		return fmt.Errorf("no delivery of %s.%s for %s among %d within %s", entity, action, model, len(ds.got), timeout)
	})
	return found, err
}

func receiver(t *testing.T) (*httptest.Server, *deliveries) {
	ds := &deliveries{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ds.mu.Lock()
		ds.got = append(ds.got, delivery{header: r.Header.Clone(), body: body})
		ds.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, ds
}

// deliveredSigned registers models until the registered_model.created
// event of one of them reaches the receiver signed with secret. MLflow
// caches its list of webhooks (MLFLOW_WEBHOOK_CACHE_TTL, 1 s on the test
// server), so an event raised just after another test filled the cache
// misses a webhook created since, or is signed with the secret a webhook had
// before an update: one event is not enough. It fails after 90 s with the
// last problem.
func (ds *deliveries) deliveredSigned(t *testing.T, prefix, secret string) error {
	c := acctest.MLflow(t)
	deadline := time.Now().Add(90 * time.Second)
	for {
		model := acctest.RandomName(prefix)
		if _, err := c.CreateRegisteredModel(acctest.Context(t), mlflow.CreateRegisteredModelInput{Name: model}); err != nil {
			return err
		}
		t.Cleanup(func() { _ = c.DeleteRegisteredModel(context.Background(), model) })
		d, err := ds.waitFor("registered_model", "created", model, 10*time.Second)
		if err == nil {
			err = verify(d, secret)
		}
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(time.Second)
	}
}

// verify checks a delivery's signature as a receiver should (the resource's
// documentation describes this).
func verify(d delivery, secret string) error {
	id, ts, sig := d.header.Get("X-MLflow-Delivery-Id"), d.header.Get("X-MLflow-Timestamp"), d.header.Get("X-MLflow-Signature")
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(id + "." + ts + "." + string(d.body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if id == "" || ts == "" || !hmac.Equal([]byte(sig), []byte(want)) {
		return fmt.Errorf("delivery %q at %q: signature %q, want %q", id, ts, sig, want)
	}
	return nil
}

func TestAccRegistryWebhook_basic(t *testing.T) {
	name := acctest.RandomName("hook")
	srv, deliveries := receiver(t)
	url := srv.URL + "/hooks/evaluate"
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkWebhookDestroy(t),
		Steps: []resource.TestStep{
			{
				// Not model_version.created: TestAccDataSourceModelVersions_allPages
				// registers a thousand versions meanwhile, and MLflow's delivery
				// queue (first in, first out) would put this test's event behind them.
				Config: webhookConfig(name, url, `["registered_model.created", "model_version_alias.created"]`, "ACTIVE", "s3cr3t"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(webhookAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^\S+$`))),
					statecheck.ExpectKnownValue(webhookAddr, tfjsonpath.New("status"), knownvalue.StringExact("ACTIVE")),
					statecheck.ExpectKnownValue(webhookAddr, tfjsonpath.New("events"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("registered_model.created"), knownvalue.StringExact("model_version_alias.created"),
					})),
					statecheck.ExpectKnownValue(webhookAddr, tfjsonpath.New("creation_timestamp"), knownvalue.Int64Func(func(v int64) error {
						if v <= 0 {
							return fmt.Errorf("creation_timestamp %d", v)
						}
						return nil
					})),
					acctest.LiveCheck(func() error {
						// A new model in the registry is delivered, signed with the secret.
						return deliveries.deliveredSigned(t, "hooked", "s3cr3t")
					}),
				},
			},
			{
				ResourceName:            webhookAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts", "secret"},
			},
			{
				// Events and status change in place.
				Config: webhookConfig(name, url, `["model_version_alias.created"]`, "DISABLED", "s3cr3t"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(webhookAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.LiveCheck(func() error {
						w, err := acctest.MLflow(t).GetWebhook(acctest.Context(t), liveWebhookID(t, name))
						if err != nil {
							return err
						}
						if w.Status != "DISABLED" || fmt.Sprint(w.EventNames()) != "[model_version_alias.created]" {
							return fmt.Errorf("live webhook %+v", w)
						}
						return nil
					}),
				},
			},
			{
				// Enabled and pointed elsewhere outside Terraform: a diff, and apply puts it back.
				PreConfig: func() {
					if _, err := acctest.MLflow(t).UpdateWebhook(acctest.Context(t), liveWebhookID(t, name),
						mlflow.WebhookInput{Status: "ACTIVE", URL: "http://127.0.0.1:9/elsewhere"}); err != nil {
						t.Fatal(err)
					}
				},
				Config: webhookConfig(name, url, `["model_version_alias.created"]`, "DISABLED", "s3cr3t"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(webhookAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(webhookAddr, tfjsonpath.New("status"), knownvalue.StringExact("DISABLED")),
				}},
			},
		},
	})
}

// liveWebhookID finds the webhook named name.
func liveWebhookID(t *testing.T, name string) string {
	t.Helper()
	all, err := acctest.MLflow(t).ListWebhooks(acctest.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range all {
		if w.Name == name {
			return w.ID
		}
	}
	t.Fatalf("no webhook named %s", name)
	return ""
}

func TestAccRegistryWebhook_disappears(t *testing.T) {
	name := acctest.RandomName("hook")
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkWebhookDestroy(t),
		Steps: []resource.TestStep{{
			Config: webhookConfig(name, "http://127.0.0.1:9/hook", `["registered_model.created"]`, "ACTIVE", "x"),
			Check: func(s *terraform.State) error {
				return acctest.MLflow(t).DeleteWebhook(acctest.Context(t), s.RootModule().Resources[webhookAddr].Primary.ID)
			},
			ExpectNonEmptyPlan: true,
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(webhookAddr, plancheck.ResourceActionCreate),
			}},
		}},
	})
}

func TestAccRegistryWebhook_validation(t *testing.T) {
	cases := []struct{ cfg, want string }{
		{webhookConfig("h", "http://x/y", `["model_version.updated"]`, "ACTIVE", "s"), `(?s)events.*value must be one of`},
		{webhookConfig("h", "ftp://x/y", `["model_version.created"]`, "ACTIVE", "s"), `(?s)Invalid URL.*not an http:// or https:// URL`},
		{webhookConfig("h", "http://x/y", `[]`, "ACTIVE", "s"), `(?s)events.*at least 1`},
		{webhookConfig("h", "http://x/y", `["model_version.created"]`, "PAUSED", "s"), `(?s)status.*value must be one of`},
		{webhookConfig("", "http://x/y", `["model_version.created"]`, "ACTIVE", "s"), `(?s)Empty value`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: c.cfg, PlanOnly: true, ExpectError: regexp.MustCompile(c.want)})
	}
	steps = append(steps, resource.TestStep{
		Config: webhookConfig("h", "http://x/y", `["model_version.created"]`, "ACTIVE", "s"), ResourceName: webhookAddr,
		ImportState: true, ImportStateId: "a/b", ExpectError: regexp.MustCompile(`The import ID of mlops_registry_webhook is MLflow's webhook id`),
	})
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckMLflow(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps:                    steps,
	})
}
