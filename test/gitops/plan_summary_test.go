// Package gitops tests the GitOps example (examples/gitops) as its pull
// request workflow runs it: the provider installed from a registry-like
// mirror, the example's own configuration with its Kubernetes state backend,
// a promotion made as an edit of the configuration, and the plan summary
// script run on the JSON of the real plan.
package gitops

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

const providerVersion = "0.1.0" // satisfies the example's constraint

// TestPlanSummary applies examples/gitops (three versions of a model, the
// champion alias on version 1, an endpoint serving it with version 2 as a
// 10% canary) against the real MLflow server and KServe's real controller,
// then edits the promotion lines as a pull request would (champion 2,
// canary 3 at 25%), saves the plan, and checks what
// examples/gitops/scripts/plan_summary.py says of `terraform show -json`.
func TestPlanSummary(t *testing.T) {
	acctest.PreCheckMLflow(t)
	acctest.PreCheckKube(t)
	root, err := acctest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		tf = filepath.Join(root, ".tools", "bin", "terraform")
	}
	ns := acctest.Namespace(t)
	model := acctest.RandomName("gitops")
	// The versions' training runs, logged by MLflow's Python API with their
	// held-out accuracy: two good models and a weak one (C = 0.0001).
	good := acctest.LogModels(t, model, "model", 2)
	weak := acctest.LogModels(t, model, "model", 1, "--c", "0.0001")[0]
	if good[0].Accuracy < 0.9 || good[1].Accuracy < 0.9 || weak.Accuracy >= 0.9 {
		t.Fatalf("logged accuracies %v, %v and %v: want two at least 0.9 (the example's min_accuracy) and one below", good[0].Accuracy, good[1].Accuracy, weak.Accuracy)
	}
	runsVar, _ := json.Marshal(map[string]string{"v1": good[0].RunID, "v2": good[1].RunID, "v3": weak.RunID})

	// The provider, installed the way a registry download is: a zip in a
	// filesystem mirror, for the address the example names.
	tmp := t.TempDir()
	mirror := filepath.Join(tmp, "mirror")
	buildProviderZip(t, root, mirror)
	cliConfig := filepath.Join(tmp, "cli.tfrc")
	writeFile(t, cliConfig, fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror))

	work := filepath.Join(tmp, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	example := filepath.Join(root, "examples", "gitops")
	mainTF := string(readFile(t, filepath.Join(example, "main.tf")))
	writeFile(t, filepath.Join(work, "main.tf"), mainTF)

	kubeconfig := os.Getenv("KUBE_CONFIG_PATH")
	if kubeconfig == "" {
		kubeconfig = os.Getenv("KUBECONFIG")
	}
	env := append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"TF_PLUGIN_CACHE_DIR=",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1",
		"KUBE_CONFIG_PATH="+kubeconfig, // the state backend reads it, as the provider does
		"TF_VAR_model_name="+model,
		"TF_VAR_namespace="+ns,
		"TF_VAR_artifact_root=s3://mlops-gitops-test/"+model,
		"TF_VAR_training_runs="+string(runsVar),
	)
	run := func(args ...string) (string, error) {
		cmd := exec.Command(tf, append([]string{"-chdir=" + work}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	cli := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(tf), strings.Join(args, " "), err, out)
		}
		return out
	}

	// The state lives in a Secret of the test's namespace (the example's
	// backend, pointed at that namespace), removed with it.
	cli("init", "-no-color", "-backend-config=namespace="+ns)
	cli("apply", "-no-color", "-auto-approve")
	t.Cleanup(func() {
		cmd := exec.Command(tf, "-chdir="+work, "destroy", "-no-color", "-auto-approve")
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("destroy: %v\n%s", err, out)
		}
	})

	// The numbers MLflow gave the three versions (1, 2, 3 in a fresh model,
	// as the example's depends_on orders their registration).
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(cli("show", "-json")), &state); err != nil {
		t.Fatalf("reading the state: %v", err)
	}
	version := map[string]string{}
	for _, r := range state.Values.RootModule.Resources {
		if v, ok := r.Values["version"].(string); ok && strings.HasPrefix(r.Address, "mlops_model_version.") {
			version[strings.TrimPrefix(r.Address, "mlops_model_version.")] = v
		}
	}
	if version["v1"] != "1" || version["v2"] != "2" || version["v3"] != "3" {
		t.Errorf("versions registered as %v, want v1, v2, v3 numbered 1, 2, 3", version)
	}

	// A pull request that promotes the weak v3 fails its plan at the gate,
	// naming the precondition and the accuracy MLflow has for it.
	writeFile(t, filepath.Join(work, "main.tf"), replaceOnce(t, mainTF, `champion       = "v1"`, `champion       = "v3"`))
	out, err := run("plan", "-no-color")
	gate := fmt.Sprintf("The promotion gate: v3 (version %s) has accuracy %v, below min_accuracy 0.9", version["v3"], weak.Accuracy)
	if err == nil || !strings.Contains(out, "Resource precondition failed") || !strings.Contains(strings.Join(strings.Fields(out), " "), gate) {
		t.Fatalf("the plan promoting v3 (accuracy %v): err %v, want it refused with %q:\n%s", weak.Accuracy, err, gate, out)
	}

	// The pull request: promote v2, try v3 on 25%.
	promoted := replaceOnce(t, mainTF, `champion       = "v1"`, `champion       = "v2"`)
	promoted = replaceOnce(t, promoted, `canary         = "v2"`, `canary         = "v3"`)
	promoted = replaceOnce(t, promoted, "canary_percent = 10", "canary_percent = 25")
	writeFile(t, filepath.Join(work, "main.tf"), promoted)

	cli("plan", "-no-color", "-out=tfplan")
	planJSON := filepath.Join(tmp, "plan.json")
	writeFile(t, planJSON, cli("show", "-json", "tfplan"))
	// Keep the real plan's JSON next to the test's other outputs, for anyone
	// changing the script.
	if dir := os.Getenv("MLOPS_GITOPS_PLAN_OUT"); dir != "" {
		writeFile(t, filepath.Join(dir, "plan.json"), string(readFile(t, planJSON)))
	}

	cmd := exec.Command("python3", filepath.Join(example, "scripts", "plan_summary.py"), planJSON)
	sum, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("plan_summary.py: %v\n%s", err, sum)
	}
	summary := string(sum)
	t.Logf("summary:\n%s", summary)
	for _, want := range []string{
		"#### Serving changes\n",
		fmt.Sprintf("- `mlops_endpoint.churn` (%s/churn): **update**\n", ns),
		fmt.Sprintf("  - model `resolved_version`: **%q -> %q**\n", version["v1"], version["v2"]),
		fmt.Sprintf("  - canary `resolved_version`: **%q -> %q**\n", version["v2"], version["v3"]),
		"  - canary `traffic_percent`: **10 -> 25**\n",
		"  - traffic: model 90%, canary 10% -> **model 75%, canary 25%**\n",
		"#### Promotions\n",
		fmt.Sprintf("- `mlops_model_alias.champion` (%s@champion): version **%q -> %q**\n", model, version["v1"], version["v2"]),
		fmt.Sprintf("  | metric | version %s (now) | version %s (candidate) |\n", version["v1"], version["v2"]),
		fmt.Sprintf("  | accuracy | %.4g | %.4g |\n", good[0].Accuracy, good[1].Accuracy),
		"Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy.\n",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("the summary lacks %q", want)
		}
	}

	if strings.Contains(summary, "Changed outside Terraform") {
		t.Errorf("nothing was changed outside Terraform, yet the summary says so")
	}

	// Applying the pull request serves what the summary said.
	cli("apply", "-no-color", "-auto-approve", "tfplan")
	want := fmt.Sprintf(`{"canary":%q,"model":%q}`, version["v3"], version["v2"])
	if got := strings.TrimSpace(cli("output", "-no-color", "-json", "serving")); got != want {
		t.Errorf("after the apply, serving = %s, want %s", got, want)
	}

	// A plan without changes says so.
	cli("plan", "-no-color", "-out=tfplan")
	writeFile(t, planJSON, cli("show", "-json", "tfplan"))
	sum, err = exec.Command("python3", filepath.Join(example, "scripts", "plan_summary.py"), planJSON).CombinedOutput()
	if err != nil || !strings.Contains(string(sum), "No endpoint changes.") || !strings.Contains(string(sum), "Plan: 0 to add, 0 to change") ||
		strings.Contains(string(sum), "Promotions") {
		t.Errorf("summary of an empty plan: %v\n%s", err, sum)
	}
}

// buildProviderZip builds the provider and packs it as a release zip in
// mirror's packed layout (HOST/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_OS_ARCH.zip).
func buildProviderZip(t *testing.T, root, mirror string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "terraform-provider-mlops_v"+providerVersion)
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-X main.version="+providerVersion, "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	dir := filepath.Join(mirror, "registry.terraform.io", "mlopsprovider", "mlops")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("terraform-provider-mlops_%s_%s_%s.zip", providerVersion, runtime.GOOS, runtime.GOARCH)
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	hdr := &zip.FileHeader{Name: filepath.Base(bin), Method: zip.Deflate}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(src); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func replaceOnce(t *testing.T, s, old, repl string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("examples/gitops/main.tf: %q appears %d times, want once (the test edits it as a pull request would)", old, n)
	}
	return strings.Replace(s, old, repl, 1)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
