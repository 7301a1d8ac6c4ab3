package gitops

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// TestPlanSummaryCases runs plan_summary.py on plans that TestPlanSummary
// does not make (written in the shape of `terraform show -json`): an alias
// moved in the registry under a rollout, a create with values known only
// after apply, a delete, a replace, and input that is not a plan. It needs
// no server.
func TestPlanSummaryCases(t *testing.T) {
	root, err := acctest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, "examples", "gitops", "scripts", "plan_summary.py")
	run := func(input string) (string, error) {
		cmd := exec.Command("python3", script)
		cmd.Stdin = strings.NewReader(input)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := run(`{"format_version": "1.2", "resource_changes": [
  {"address": "mlops_endpoint.a", "type": "mlops_endpoint", "mode": "managed", "change": {"actions": ["update"],
    "before": {"name": "a", "namespace": "ns", "model": {"alias": "champion", "resolved_version": "1"}, "canary": null, "traffic": {"model": 100}},
    "after": {"name": "a", "namespace": "ns", "model": {"alias": "champion", "resolved_version": "2"}, "canary": null, "rollout": {"steps": [10, 50], "interval": "60s"}},
    "after_unknown": {"traffic": true, "model": {}}}},
  {"address": "mlops_endpoint.b", "type": "mlops_endpoint", "mode": "managed", "change": {"actions": ["create"], "before": null,
    "after": {"name": "b", "namespace": "ns", "model": {"version": null}, "canary": {"traffic_percent": 5}},
    "after_unknown": {"model": {"resolved_version": true}, "canary": {"resolved_version": true}, "traffic": true}}},
  {"address": "mlops_endpoint.c", "type": "mlops_endpoint", "mode": "managed", "change": {"actions": ["delete"],
    "before": {"name": "c", "namespace": "ns", "model": {"resolved_version": "4"}, "traffic": {"model": 100}}, "after": null}},
  {"address": "mlops_endpoint.d", "type": "mlops_endpoint", "mode": "managed", "change": {"actions": ["delete", "create"],
    "before": {"name": "d", "namespace": "old", "model": {"resolved_version": "7"}, "traffic": {"model": 100}},
    "after": {"name": "d", "namespace": "new", "model": {"resolved_version": "7"}}, "after_unknown": {"traffic": true}}},
  {"address": "mlops_endpoint.e", "type": "mlops_endpoint", "mode": "managed", "change": {"actions": ["no-op"],
    "before": {"name": "e"}, "after": {"name": "e"}}},
  {"address": "mlops_model_alias.x", "type": "mlops_model_alias", "mode": "managed", "change": {"actions": ["update"],
    "before": {"version": "1"}, "after": {"version": "2"}}}
], "resource_drift": [
  {"address": "mlops_model_alias.x", "type": "mlops_model_alias", "change": {"actions": ["update"], "before": {"version": "3"}, "after": {"version": "1"}}},
  {"address": "mlops_model_version.v1", "type": "mlops_model_version", "change": {"actions": ["update"], "before": {"aliases": []}, "after": {"aliases": ["champion"]}}}
], "relevant_attributes": [
  {"resource": "mlops_model_alias.x", "attribute": ["version"]},
  {"resource": "mlops_model_version.v1", "attribute": ["version"]}
]}`)
	if err != nil {
		t.Fatalf("plan_summary.py: %v\n%s", err, out)
	}
	for _, want := range []string{
		"- `mlops_endpoint.a` (ns/a): **update**\n" +
			"  - model `resolved_version`: **\"1\" -> \"2\"** (alias `champion` moved in the registry)\n" +
			"  - traffic: model 100%\n" +
			"  - rolled out in steps of 10, 50% (bake 60s each), rolled back if not ready\n",
		"- `mlops_endpoint.b` (ns/b): **create**\n" +
			"  - model `resolved_version`: **(none) -> (known after apply)**\n" +
			"  - canary `resolved_version`: **(none) -> (known after apply)**\n" +
			"  - canary `traffic_percent`: **(none) -> 5**\n" +
			"  - traffic: (none) -> **model 95%, canary 5%**\n",
		"- `mlops_endpoint.c` (ns/c): **delete**\n" +
			"  - model `resolved_version`: **\"4\" -> (none)**\n" +
			"  - traffic: model 100% -> **(none)**\n",
		"- `mlops_endpoint.d` (new/d): **replace**\n" +
			"  - model `resolved_version`: \"7\"\n" +
			"  - traffic: model 100%\n",
		"Changed outside Terraform since the last apply: `mlops_model_alias.x`\n",
		"Plan: 1 to add, 2 to change, 1 to replace, 1 to destroy.\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the summary lacks\n%s\ngot:\n%s", want, out)
		}
	}
	if strings.Contains(out, "mlops_endpoint.e") {
		t.Errorf("a no-op endpoint is listed:\n%s", out)
	}
	if strings.Contains(out, "mlops_model_version.v1") {
		t.Errorf("a change of an attribute the configuration does not use is listed as drift:\n%s", out)
	}

	out, err = run(`{"format_version": "1.2", "resource_changes": []}`)
	if err != nil || !strings.Contains(out, "No endpoint changes.") {
		t.Errorf("empty plan: %v\n%s", err, out)
	}
	out, err = run(`{"values": {}}`)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(out, "not the JSON of a plan") {
		t.Errorf("state JSON given instead of a plan: exit %v, output %s", err, out)
	}
}
