// Package acctest holds what the acceptance tests share: the provider
// factories, pre-checks, clients for changes made outside Terraform, and
// real model artifacts logged to the MLflow server under test.
//
// Acceptance tests run with TF_ACC=1 against the real servers that
// scripts/test.sh starts; a missing server is a failure, never a skip.
//
// It is test infrastructure: only tests import it. It imports protocol (the
// server Terraform is served) and mlflow (clients for changes made outside
// Terraform).
package acctest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	sdkacctest "github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/protocol"
)

// ProtoV6ProviderFactories serves the provider in-process to Terraform.
var ProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"mlops": protocol.NewServer("acctest"),
}

// PreCheckMLflow fails the test when no MLflow server is configured. Like
// resource.Test, it skips the test when TF_ACC is unset (a plain `go test`
// runs the unit tests only); with TF_ACC set a missing server is a failure.
func PreCheckMLflow(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run it (scripts/test.sh does, after starting the servers)")
	}
	if os.Getenv("MLFLOW_TRACKING_URI") == "" {
		t.Fatal("MLFLOW_TRACKING_URI is not set: acceptance tests need a real MLflow server. " +
			"Run scripts/test.sh, which starts one, or start it with scripts/mlflow-server.sh start.")
	}
}

// RandomName returns a unique name for a test object.
func RandomName(prefix string) string {
	return fmt.Sprintf("tfacc-%s-%s", prefix, sdkacctest.RandString(8))
}

var (
	clientOnce sync.Once
	client     *mlflow.Client
	clientErr  error
)

// MLflow returns a client of the server under test, for changes made
// outside Terraform and for checks of what exists.
func MLflow(t *testing.T) *mlflow.Client {
	t.Helper()
	PreCheckMLflow(t)
	clientOnce.Do(func() {
		client, clientErr = mlflow.New(mlflow.Config{TrackingURI: os.Getenv("MLFLOW_TRACKING_URI"), MaxRetries: 3,
			Username: os.Getenv("MLFLOW_TRACKING_USERNAME"), Password: os.Getenv("MLFLOW_TRACKING_PASSWORD")})
	})
	if clientErr != nil {
		t.Fatalf("building the MLflow client: %v", clientErr)
	}
	return client
}

// Context returns a context for out-of-band calls, cancelled with the test.
func Context(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// LoggedRun is a real MLflow run holding a logged scikit-learn model, with
// what scripts/log_model.py logged: the run's parameter seed (RunParams)
// and metric train_accuracy; the logged model's parameters (Params) and
// held-out accuracy, logged with its model_id.
type LoggedRun struct {
	RunID          string            `json:"run_id"`
	ArtifactURI    string            `json:"artifact_uri"`
	ModelURI       string            `json:"model_uri"`
	ModelID        string            `json:"model_id"`
	LoggedModelURI string            `json:"logged_model_uri"`
	RunParams      map[string]string `json:"run_params"`
	Params         map[string]string `json:"params"`
	TrainAccuracy  float64           `json:"train_accuracy"`
	Accuracy       float64           `json:"accuracy"`
}

var (
	runsOnce sync.Once
	runs     []LoggedRun
	runsErr  error
)

// LoggedRuns returns two runs, each with a tiny scikit-learn model logged
// by MLflow's Python API (scripts/log_model.py), made once per test binary.
func LoggedRuns(t *testing.T) []LoggedRun {
	t.Helper()
	PreCheckMLflow(t)
	runsOnce.Do(func() { runs, runsErr = logModels(2) })
	if runsErr != nil {
		t.Fatalf("logging models to MLflow: %v", runsErr)
	}
	return runs
}

// LogModels logs n runs, one after the other, each with a logged model
// named name, in the experiment of that name (made when missing): for a
// test that needs models of its own, such as the newest of a name. extra
// goes to scripts/log_model.py (such as "--c", "0.0001" for a weak model).
func LogModels(t *testing.T, experiment, name string, n int, extra ...string) []LoggedRun {
	t.Helper()
	PreCheckMLflow(t)
	runs, err := logModels(n, append([]string{"--experiment", experiment, "--name", name}, extra...)...)
	if err != nil {
		t.Fatalf("logging models to MLflow: %v", err)
	}
	return runs
}

// logModels runs scripts/log_model.py for n runs, with extra arguments.
func logModels(n int, extra ...string) ([]LoggedRun, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	python := os.Getenv("MLOPS_TEST_PYTHON")
	if python == "" {
		python = filepath.Join(root, ".tools", "mlflow", "bin", "python")
	}
	out, err := os.CreateTemp("", "logged-models-*.json")
	if err != nil {
		return nil, err
	}
	_ = out.Close()
	defer func() { _ = os.Remove(out.Name()) }()
	args := append([]string{filepath.Join(root, "scripts", "log_model.py"), "--runs", fmt.Sprint(n), "--out", out.Name()}, extra...)
	cmd := exec.Command(python, args...)
	cmd.Env = os.Environ()
	if combined, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, combined)
	}
	data, err := os.ReadFile(out.Name())
	if err != nil {
		return nil, err
	}
	var result struct {
		Runs []LoggedRun `json:"runs"`
	}
	if err := json.Unmarshal(data, &result); err != nil {
		return nil, fmt.Errorf("reading %s: %w", out.Name(), err)
	}
	if len(result.Runs) != n {
		return nil, fmt.Errorf("expected %d runs, got %d", n, len(result.Runs))
	}
	return result.Runs, nil
}

// RepoRoot finds the repository's root (the folder with go.mod).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// LiveCheck is a state check that asks the server instead of the state:
// the function returns an error when the live object is not as expected.
type LiveCheck func() error

// CheckState implements statecheck.StateCheck.
func (f LiveCheck) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}

// StateLacks is a state check that the whole state (every attribute of
// every resource, sensitive ones included) does not contain s: a secret
// that must stay in the cluster.
type StateLacks string

// CheckState implements statecheck.StateCheck.
func (s StateLacks) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	data, err := json.Marshal(req.State)
	switch {
	case err != nil:
		resp.Error = err
	case len(data) < 100:
		resp.Error = fmt.Errorf("the state is empty: nothing to check for the secret")
	case strings.Contains(string(data), string(s)):
		resp.Error = fmt.Errorf("the state contains the secret %q", string(s))
	}
}

// ExampleConfig reads examples/<dir>/main.tf as a test configuration: its
// terraform block goes, so that the in-process provider stands in for the
// registry's.
func ExampleConfig(t *testing.T, dir string) string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "examples", dir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`(?s)terraform \{.*?\n\}\n`).ReplaceAllString(string(data), "")
}
