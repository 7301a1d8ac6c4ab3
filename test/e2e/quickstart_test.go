// Package e2e runs the README's first command end to end, on a local stack
// of its own, and checks what a new user would see.
package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// TestQuickstart runs ./scripts/quickstart.sh (train, register, promote
// through the accuracy gate, serve, schedule retraining, predict, run the
// pipeline, close the feedback loop) and checks the champion's accuracy, the
// prediction of the trained model, KServe's URL, the pipeline run that
// Argo's controller finished, the evaluation run that the registry event
// started, and that the second plan is empty; then removes it all.
func TestQuickstart(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("end-to-end test: set TF_ACC=1 to run it (scripts/test.sh does)")
	}
	root, err := acctest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(root, ".run")
	env := append(os.Environ(),
		"MLOPS_QUICKSTART_DIR="+filepath.Join(run, "quickstart-e2e"),
		"MLOPS_MLFLOW_DIR="+filepath.Join(run, "mlflow-e2e"),
		"MLOPS_KUBE_DIR="+filepath.Join(run, "kube-e2e"),
		// The quickstart reads its settings from the stack it starts, not
		// from the acceptance tests' servers.
		"MLFLOW_TRACKING_URI=", "KUBECONFIG=", "KUBE_CONFIG_PATH=", "TF_CLI_CONFIG_FILE=",
	)
	script := filepath.Join(root, "scripts", "quickstart.sh")
	t.Cleanup(func() {
		down := exec.Command(script, "down")
		down.Env = env
		if out, err := down.CombinedOutput(); err != nil {
			t.Errorf("quickstart down: %v\n%s", err, out)
		}
	})
	cmd := exec.Command(script)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("quickstart failed: %v\n%s", err, out)
	}

	data, err := os.ReadFile(filepath.Join(run, "quickstart-e2e", "result.json"))
	if err != nil {
		t.Fatalf("no result: %v\n%s", err, out)
	}
	var result struct {
		EndpointURL string `json:"endpoint_url"`
		Prediction  struct {
			ModelName string `json:"model_name"`
			Outputs   []struct {
				Name     string    `json:"name"`
				Shape    []int     `json:"shape"`
				Datatype string    `json:"datatype"`
				Data     []float64 `json:"data"`
			} `json:"outputs"`
		} `json:"prediction"`
		PipelineRun struct {
			Run   string `json:"run"`
			Phase string `json:"phase"`
			Steps []struct {
				Step  string `json:"step"`
				Phase string `json:"phase"`
			} `json:"steps"`
		} `json:"pipeline_run"`
		FeedbackLoop struct {
			Version    string            `json:"version"`
			Run        string            `json:"run"`
			Phase      string            `json:"phase"`
			Parameters map[string]string `json:"parameters"`
		} `json:"feedback_loop"`
		ChampionAccuracy float64 `json:"champion_accuracy"`
		Logged           struct {
			Accuracy float64 `json:"accuracy"`
		} `json:"logged"`
		SecondPlanEmpty bool `json:"second_plan_empty"`
	}
	if err := json.Unmarshal(data, &result); err != nil {
		t.Fatalf("result %s: %v", data, err)
	}
	// KServe's URL for a Standard endpoint: {name}-{namespace}.{ingressDomain}.
	if result.EndpointURL != "http://churn-default.example.com" || !result.SecondPlanEmpty {
		t.Fatalf("result %s", data)
	}
	// The champion went through the promotion gate on the accuracy its
	// training logged (the quickstart's min_accuracy is 0.9), read from MLflow.
	if result.ChampionAccuracy < 0.9 || result.ChampionAccuracy != result.Logged.Accuracy {
		t.Fatalf("champion accuracy %v, logged %v: want the logged held-out accuracy, at least 0.9", result.ChampionAccuracy, result.Logged.Accuracy)
	}
	// Argo's controller ran the pipeline's two steps (train with its retry
	// strategy, register through its when gate) and the exit handler to
	// Succeeded.
	pr := result.PipelineRun
	if pr.Phase != "Succeeded" || fmt.Sprint(pr.Steps) != "[{on_exit Succeeded} {register Succeeded} {train Succeeded}]" {
		t.Fatalf("pipeline run %+v, want on_exit, register and train Succeeded", pr)
	}
	// The feedback loop: the new challenger's alias event started the
	// evaluation pipeline, with the version as its parameter, and Argo's
	// controller ran it to Succeeded.
	fl := result.FeedbackLoop
	if fl.Version == "" || fl.Phase != "Succeeded" || fl.Parameters["version"] != fl.Version || fl.Parameters["model"] != "quickstart-churn" {
		t.Fatalf("feedback loop %+v, want a Succeeded run of the new version", fl)
	}
	p := result.Prediction
	if p.ModelName != "quickstart-churn" || len(p.Outputs) != 1 {
		t.Fatalf("prediction %s", data)
	}
	o := p.Outputs[0]
	// The model learned "x0 + x1 > 1": [0.9, 0.8] -> 1, [0.1, 0.2] -> 0.
	if !reflect.DeepEqual(o.Shape, []int{2}) || o.Datatype != "INT64" || !reflect.DeepEqual(o.Data, []float64{1, 0}) {
		t.Fatalf("prediction output %+v, want shape [2] INT64 data [1 0]", o)
	}
}
