package pipelines_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// examples/training applies to the local cluster once the Secrets its header
// names exist, passes Argo's server lint, and plans empty afterwards. Two
// runs on Argo's controller show the gate: with the stand-in executor
// reporting an accuracy above min_accuracy the model is registered, below
// it the register step is Skipped. The training step runs on the GPU pool.
func TestAccPipeline_trainingExample(t *testing.T) {
	ns := acctest.Namespace(t)
	cfg := acctest.ExampleConfig(t, "training")
	for name, keys := range map[string]map[string]string{
		"mlflow": {"token": "example-only"}, "s3-creds": {"accesskey": "example-only", "secretkey": "example-only"},
	} {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, StringData: keys}
		if _, err := acctest.Core(t).CoreV1().Secrets(ns).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	vars := config.Variables{"namespace": config.StringVariable(ns)}
	resource.ParallelTest(t, testCaseVars(t, vars, cfg,
		lintAll{t},
		acctest.LiveCheck(func() error { return runTraining(t, ns, "good", "0.93", "Succeeded") }),
		acctest.LiveCheck(func() error { return runTraining(t, ns, "poor", "0.5", "Skipped") }),
	))
}

func testCaseVars(t *testing.T, vars config.Variables, cfg string, checks ...statecheck.StateCheck) resource.TestCase {
	return resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPipelineDestroy(t),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigVariables: vars, ConfigStateChecks: checks},
			{Config: cfg, ConfigVariables: vars, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	}
}

// runTraining runs the example's pipeline with the stand-in executor
// reporting each step's outputs (see standInTaskResult), and checks what
// Argo's controller made of them.
func runTraining(t *testing.T, ns, name, accuracy, registerPhase string) error {
	run := "training-" + name
	runID := "run-" + name
	standInTaskResult(t, ns, run, "prepare", map[string]any{
		"parameters": []any{map[string]any{"name": "rows", "value": "5000"}},
		"artifacts": []any{map[string]any{"name": "dataset", "path": "/data/out", "s3": map[string]any{
			"bucket": "ml-artifacts", "endpoint": "s3.amazonaws.com", "key": "churn/" + run + "/prepare/dataset.tgz"}}},
	})
	// train has a retry strategy: its pod is the node train(0) of the retry node train.
	standInTaskResult(t, ns, run, "train(0)", map[string]any{"parameters": []any{map[string]any{"name": "run_id", "value": runID}}})
	standInTaskResult(t, ns, run, "evaluate", map[string]any{"parameters": []any{map[string]any{"name": "accuracy", "value": accuracy}}})
	submit(t, ns, "churn-training", run, nil)
	wf, err := finished(t, ns, run)
	if err != nil {
		return err
	}
	pods, err := podsOf(t, ns, run)
	if err != nil {
		return err
	}
	reg := nodes(wf, "register")
	if phaseOf(wf) != "Succeeded" || len(reg) != 1 || reg[0]["phase"] != registerPhase {
		return fmt.Errorf("run %s: %s, register %v, want register %s", run, phaseOf(wf), reg, registerPhase)
	}
	if train := pods[run+".train(0)"]; train.Spec.NodeName != "kwok-gpu-0" || !strings.Contains(strings.Join(mainContainer(train).Command, " "), "--rows 5000") {
		return fmt.Errorf("run %s: train ran on %q with %q", run, train.Spec.NodeName, mainContainer(train).Command)
	}
	if registerPhase == "Succeeded" && !strings.Contains(strings.Join(mainContainer(pods[run+".register"]).Command, " "), "--run-id "+runID) {
		return fmt.Errorf("run %s: register got %q", run, mainContainer(pods[run+".register"]).Command)
	}
	if _, ok := pods[run+".onExit"]; !ok {
		return fmt.Errorf("run %s: the exit handler did not run", run)
	}
	return nil
}
