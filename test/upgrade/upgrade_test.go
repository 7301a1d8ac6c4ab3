// Package upgrade checks that configurations written for an earlier
// provider plan no change after an upgrade: the earlier provider (built from
// the repository's history) applies them, then this tree's provider plans.
package upgrade

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// baseline is the last commit before the production serving attributes
// (pod, container, transformer, runtimes, KEDA) were added.
const baseline = "63170ab"

// buildAt builds the provider as it was at commit rev into dir.
func buildAt(t *testing.T, root, rev, dir string) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	archive := exec.Command("sh", "-c", fmt.Sprintf("git -C %q archive %s | tar -x -C %q", root, rev, src))
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("reading commit %s from the repository's history (a clone without history cannot run this test): %v\n%s", rev, err, out)
	}
	build(t, src, dir)
}

func build(t *testing.T, src, dir string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-mlops"), ".")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the provider in %s: %v\n%s", src, err, out)
	}
}

// config uses every endpoint and pipeline attribute the baseline had.
func config(ns string) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    mlops = { source = "mlopsprovider/mlops" }
  }
}

resource "mlops_endpoint" "churn" {
  name      = "churn"
  namespace = %[1]q
  model = {
    storage_uri = "s3://models/churn/1"
    format      = "sklearn"
    protocol    = "v2"
    env         = { LOG_LEVEL = "info" }
    resources   = { cpu = "500m", memory = "1Gi", gpu = 0 }
  }
  scaling     = { min_replicas = 1, max_replicas = 3, metric = "cpu", target = 80 }
  labels      = { team = "risk" }
  annotations = { "prometheus.io/scrape" = "true" }
  logger      = { url = "http://collector.monitoring/events", mode = "request", metadata_headers = ["x-request-id"] }
  batcher     = { max_batch_size = 32, max_latency = 100 }
  rollout     = { steps = [50], interval = "1s" }
}

resource "mlops_endpoint" "canary" {
  name      = "canary"
  namespace = %[1]q
  model     = { storage_uri = "s3://models/canary/1", format = "mlflow" }
  canary    = { storage_uri = "s3://models/canary/2", traffic_percent = 10 }
}

resource "mlops_pipeline" "retrain" {
  name            = "retrain"
  namespace       = %[1]q
  description     = "Nightly retraining"
  service_account = "default"
  parameters      = { model_name = "churn", min_accuracy = "0.9" }
  steps = [
    { name = "prepare", image = "busybox:1.36", command = ["true"] },
    {
      name       = "train"
      image      = "busybox:1.36"
      command    = ["sh", "-c"]
      args       = ["echo {{workflow.parameters.model_name}}"]
      depends_on = ["prepare"]
      env        = { MLFLOW_TRACKING_URI = "http://mlflow:5000" }
      resources  = { cpu = "1", memory = "1Gi", gpu = 1 }
      retries    = 2
      timeout    = "2h"
    },
  ]
  schedule = {
    cron               = ["0 3 * * *"]
    timezone           = "UTC"
    concurrency_policy = "Forbid"
    starting_deadline  = "10m"
    successful_history = 3
    failed_history     = 1
  }
  trigger = {
    events     = ["model_version_alias.created"]
    model_name = "churn"
    alias      = "challenger"
    parameters = { model_name = "name" }
  }
  labels      = { team = "risk" }
  annotations = { owner = "ml" }
}
`, ns)
}

// TestUpgradePlansEmpty: endpoints and pipelines applied by the baseline
// provider plan no change with this tree's provider, and the endpoints' pods
// are not restarted.
func TestUpgradePlansEmpty(t *testing.T) {
	acctest.PreCheckKube(t)
	root, err := acctest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		tf = filepath.Join(root, ".tools", "bin", "terraform")
	}
	tmp := t.TempDir()
	oldBin, newBin := filepath.Join(tmp, "old"), filepath.Join(tmp, "new")
	buildAt(t, root, baseline, oldBin)
	build(t, root, newBin)

	ns := acctest.Namespace(t)
	work := filepath.Join(tmp, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(config(ns)), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(bin string, args ...string) (string, error) {
		cli := filepath.Join(tmp, filepath.Base(bin)+".tfrc")
		rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"mlopsprovider/mlops\" = %q\n  }\n  direct {}\n}\n", bin)
		if err := os.WriteFile(cli, []byte(rc), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(tf, append([]string{"-chdir=" + work}, args...)...)
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cli, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() {
		if out, err := run(newBin, "destroy", "-auto-approve", "-no-color"); err != nil {
			t.Errorf("destroy: %v\n%s", err, out)
		}
	})
	if out, err := run(oldBin, "apply", "-auto-approve", "-no-color"); err != nil {
		t.Fatalf("apply with the baseline provider (%s): %v\n%s", baseline, err, out)
	}
	podsBefore := podNames(t, ns)
	out, err := run(newBin, "plan", "-detailed-exitcode", "-no-color")
	if err != nil {
		t.Fatalf("after the upgrade the plan is not empty (exit code 2 means changes): %v\n%s", err, out)
	}
	if !strings.Contains(out, "No changes.") {
		t.Fatalf("after the upgrade the plan says:\n%s", out)
	}
	// An apply with the new provider changes nothing either: no pod restarts.
	if out, err := run(newBin, "apply", "-auto-approve", "-no-color"); err != nil || !strings.Contains(out, "0 added, 0 changed, 0 destroyed") {
		t.Fatalf("apply after the upgrade: %v\n%s", err, out)
	}
	if after := podNames(t, ns); after != podsBefore {
		t.Fatalf("the pods changed across the upgrade: %s, then %s", podsBefore, after)
	}
}

func podNames(t *testing.T, ns string) string {
	t.Helper()
	pods, err := acctest.Core(t).CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			names = append(names, p.Name)
		}
	}
	return strings.Join(names, ",")
}
