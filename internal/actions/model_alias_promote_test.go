package actions_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// statusProxy sits in front of the real MLflow server and, for one version,
// answers model-versions/get with another status: an open-source MLflow
// server registers synchronously, so a version that is not READY cannot be
// made on demand. Every other request, and every write, reaches the real
// server unchanged.
func statusProxy(t *testing.T, version, status, message string) string {
	t.Helper()
	target, err := url.Parse(os.Getenv("MLFLOW_TRACKING_URI"))
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(r *http.Response) error {
		if !strings.HasSuffix(r.Request.URL.Path, "/model-versions/get") || r.Request.URL.Query().Get("version") != version || r.StatusCode != http.StatusOK {
			return nil
		}
		var body map[string]map[string]any
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &body); err != nil {
			return err
		}
		body["model_version"]["status"] = status
		body["model_version"]["status_message"] = message
		data, _ = json.Marshal(body)
		r.Body = io.NopCloser(bytes.NewReader(data))
		r.ContentLength = int64(len(data))
		r.Header.Set("Content-Length", strconv.Itoa(len(data)))
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

// The promotion against the real MLflow server: a READY version gets the
// alias (moved from another version, or created), as MLflow's API then
// says; a version that does not exist, or is not READY, fails with a
// diagnostic on version that names the status, and the alias stays; an
// invalid alias fails at ValidateActionConfig.
func TestAccModelAliasPromoteAction(t *testing.T) {
	acctest.PreCheckMLflow(t)
	c := acctest.MLflow(t)
	ctx := acctest.Context(t)
	run := acctest.LoggedRuns(t)[0]
	name := acctest.RandomName("promote")
	if _, err := c.CreateRegisteredModel(ctx, mlflow.CreateRegisteredModelInput{Name: name}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, v := range []string{"1", "2"} {
			_ = c.DeleteModelVersion(ctx, name, v)
		}
		_ = c.DeleteRegisteredModel(ctx, name)
	})
	for range 2 {
		if _, err := c.CreateModelVersion(ctx, mlflow.CreateModelVersionInput{Name: name, Source: run.ModelURI, RunID: run.RunID}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.SetAlias(ctx, name, "champion", "1"); err != nil {
		t.Fatal(err)
	}
	aliasAt := func(t *testing.T, alias, want string) {
		t.Helper()
		mv, err := c.GetModelVersionByAlias(ctx, name, alias)
		if err != nil {
			t.Fatalf("reading alias %s: %v", alias, err)
		}
		if mv.Version != want {
			t.Errorf("MLflow says alias %s points at version %s, want %s", alias, mv.Version, want)
		}
	}
	promote := func(alias, version string) map[string]tftypes.Value {
		return map[string]tftypes.Value{"model_name": str(name), "alias": str(alias), "version": str(version)}
	}
	versionPath := tftypes.NewAttributePath().WithAttributeName("version")

	p := newServer(t)
	p.configure(nil)

	t.Run("moves an alias", func(t *testing.T) {
		p.t = t
		inv := p.invoke("mlops_model_alias_promote", promote("champion", "2"))
		if len(inv.diags) > 0 {
			t.Fatalf("unexpected diagnostics: %s", diagText(inv.diags))
		}
		want := []string{
			`Version 2 of ` + name + ` is READY; moving alias "champion" from version 1`,
			`Alias "champion" of ` + name + ` points at version 2`,
		}
		if strings.Join(inv.progress, "\n") != strings.Join(want, "\n") {
			t.Errorf("progress %q, want %q", inv.progress, want)
		}
		aliasAt(t, "champion", "2")
	})

	t.Run("creates an alias", func(t *testing.T) {
		p.t = t
		inv := p.invoke("mlops_model_alias_promote", promote("challenger", "1"))
		if len(inv.diags) > 0 {
			t.Fatalf("unexpected diagnostics: %s", diagText(inv.diags))
		}
		requireContains(t, "the progress", strings.Join(inv.progress, "\n"), `creating alias "challenger"`)
		aliasAt(t, "challenger", "1")
	})

	t.Run("version does not exist", func(t *testing.T) {
		p.t = t
		d := oneError(t, p.invoke("mlops_model_alias_promote", promote("champion", "99")).diags)
		requireContains(t, "the error", d.Summary+": "+d.Detail, "Error promoting model alias", "Version 99 of model "+strconv.Quote(name)+" does not exist",
			`alias "champion" was not moved`)
		if !d.Attribute.Equal(versionPath) {
			t.Errorf("the error is at %v, want version", d.Attribute)
		}
		aliasAt(t, "champion", "2")
	})

	for _, c := range []struct{ status, message, advice string }{
		{"PENDING_REGISTRATION", "copying the artifacts", "once its registration has finished"},
		{"FAILED_REGISTRATION", "could not copy the artifacts: access denied", "register the model again"},
	} {
		t.Run("version "+c.status, func(t *testing.T) {
			proxied := newServer(t)
			proxied.configure(map[string]tftypes.Value{"mlflow": proxied.object("mlflow", map[string]tftypes.Value{
				"tracking_uri": str(statusProxy(t, "1", c.status, c.message)),
			})})
			inv := proxied.invoke("mlops_model_alias_promote", promote("champion", "1"))
			d := oneError(t, inv.diags)
			t.Logf("%s: %s", d.Summary, d.Detail)
			requireContains(t, "the error", d.Detail, "Version 1 of model "+strconv.Quote(name)+" is "+c.status+", not READY",
				`alias "champion" was not moved`, c.message, c.advice)
			if !d.Attribute.Equal(versionPath) {
				t.Errorf("the error is at %v, want version", d.Attribute)
			}
			if len(inv.progress) != 0 {
				t.Errorf("progress %q: nothing should have moved", inv.progress)
			}
			aliasAt(t, "champion", "2")
		})
	}

	t.Run("invalid alias", func(t *testing.T) {
		p.t = t
		d := oneError(t, p.validate("mlops_model_alias_promote", promote("v2", "1")))
		if !d.Attribute.Equal(tftypes.NewAttributePath().WithAttributeName("alias")) {
			t.Errorf("the error is at %v, want alias", d.Attribute)
		}
		requireContains(t, "the error", d.Detail, "v2")
	})
}
