package pipelines_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/pipelines"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// Pipelines that train for real, each feature run by Argo's real controller
// on kwok's nodes, and every template linted by Argo's real server.

func testCase(t *testing.T, steps ...resource.TestStep) resource.TestCase {
	return resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPipelineDestroy(t),
		Steps:                    steps,
	}
}

func importStep(ignore ...string) resource.TestStep {
	return resource.TestStep{ResourceName: plAddr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: append([]string{"timeouts"}, ignore...)}
}

// when and with_items: a sweep fans out into one pod per item, each with
// its item in the args; the register step runs only when the run's
// parameter says so, and is Skipped by the controller otherwise.
func TestAccPipeline_whenAndItems(t *testing.T) {
	ns := acctest.Namespace(t)
	cfg := fmt.Sprintf(`
resource "mlops_pipeline" "test" {
  name       = "sweep"
  namespace  = %q
  parameters = { retrain = "false" }
  steps = [
    {
      name       = "train"
      image      = "busybox:1.36"
      command    = ["echo"]
      args       = ["--size", "{{item}}"]
      with_items = ["small", "large", "xl"]
      # gpu = 0 beside cpu is never applied, and reads back as configured.
      resources = { cpu = "100m", gpu = 0 }
    },
    {
      name       = "register"
      image      = "busybox:1.36"
      command    = ["echo", "register"]
      depends_on = ["train"]
      when       = "{{workflow.parameters.retrain}} == true"
      retry      = { limit = 1 }
    },
  ]
  parallelism        = 2
  active_deadline    = "1h"
  ttl_after_finished = "24h"
}
`, ns)
	resource.ParallelTest(t, testCase(t,
		resource.TestStep{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				lintAll{t},
				statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("ttl_after_finished"), knownvalue.StringExact("24h")),
				acctest.LiveCheck(func() error { return checkWhenAndItems(t, ns) }),
			},
		},
		// A GPU count of 0 is not in the template, so an import cannot know it was written.
		// A bare retry limit reads back on import as retries (the same retryStrategy).
		importStep("steps.0.resources.gpu", "steps.1.retries", "steps.1.retry"),
		resource.TestStep{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
	))
}

func checkWhenAndItems(t *testing.T, ns string) error {
	tmpl, err := get(t, pipelines.WorkflowTemplateGVR, ns, "sweep")
	if err != nil {
		return err
	}
	par, _, _ := unstructured.NestedInt64(tmpl.Object, "spec", "parallelism")
	ttl, _, _ := unstructured.NestedInt64(tmpl.Object, "spec", "ttlStrategy", "secondsAfterCompletion")
	deadline, _, _ := unstructured.NestedInt64(tmpl.Object, "spec", "activeDeadlineSeconds")
	if par != 2 || ttl != 86400 || deadline != 3600 {
		return fmt.Errorf("spec: parallelism %d, ttl %d, deadline %d", par, ttl, deadline)
	}
	for _, retrain := range []string{"false", "true"} {
		run := "sweep-" + retrain
		submit(t, ns, "sweep", run, map[string]string{"retrain": retrain})
		wf, err := finished(t, ns, run)
		if err != nil {
			return err
		}
		if phaseOf(wf) != "Succeeded" {
			return fmt.Errorf("the run %s ended %s", run, phaseOf(wf))
		}
		pods, err := podsOf(t, ns, run)
		if err != nil {
			return err
		}
		var sizes []string
		for _, name := range podsNamed(pods, run+".train(") {
			sizes = append(sizes, strings.Join(mainContainer(pods[name]).Args, " "))
		}
		if fmt.Sprint(sizes) != "[--size small --size large --size xl]" {
			return fmt.Errorf("run %s: one pod per item with its item in the args expected, got %q", run, sizes)
		}
		reg := nodes(wf, "register")
		wantPhase := map[string]string{"false": "Skipped", "true": "Succeeded"}[retrain]
		if len(reg) != 1 || reg[0]["phase"] != wantPhase {
			return fmt.Errorf("run %s: the register step should be %s, got %v", run, wantPhase, reg)
		}
		// register has a retry strategy: its pod is the attempt register(0).
		if ran := len(podsNamed(pods, run+".register(")) == 1; ran != (retrain == "true") {
			return fmt.Errorf("run %s: register's pod exists = %v", run, ran)
		}
	}
	return nil
}

// retry and on_exit: a step that fails (MLOPS_TEST_POD_FAULT, the fault
// switch) is retried limit times, and the exit handler still runs, after
// which the run ends Failed.
func TestAccPipeline_retryAndExit(t *testing.T) {
	ns := acctest.Namespace(t)
	cfg := fmt.Sprintf(`
resource "mlops_pipeline" "test" {
  name      = "flaky"
  namespace = %q
  steps = [
    {
      name    = "train"
      image   = "busybox:1.36"
      command = ["false"]
      env     = { MLOPS_TEST_POD_FAULT = "crash" }
      retry   = { limit = 2, policy = "Always", backoff = { duration = "1s", factor = 2, max_duration = "1m" } }
    },
  ]
  on_exit = { image = "busybox:1.36", command = ["echo"], args = ["the run ended {{workflow.status}}"] }
}
`, ns)
	resource.ParallelTest(t, testCase(t,
		resource.TestStep{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				lintAll{t},
				statecheck.ExpectKnownValue(plAddr, tfjsonpath.New("steps").AtSliceIndex(0).AtMapKey("retry").AtMapKey("backoff").AtMapKey("duration"), knownvalue.StringExact("1s")),
				acctest.LiveCheck(func() error { return checkRetryAndExit(t, ns) }),
			},
		},
		importStep(),
	))
}

func checkRetryAndExit(t *testing.T, ns string) error {
	submit(t, ns, "flaky", "flaky-1", nil)
	wf, err := finished(t, ns, "flaky-1")
	if err != nil {
		return err
	}
	if phaseOf(wf) != "Failed" {
		return fmt.Errorf("the run ended %s, want Failed", phaseOf(wf))
	}
	pods, err := podsOf(t, ns, "flaky-1")
	if err != nil {
		return err
	}
	attempts := podsNamed(pods, "flaky-1.train(")
	if len(attempts) != 3 {
		return fmt.Errorf("want the first attempt and 2 retries (3 pods) of train, got %v", attempts)
	}
	exit, ok := pods["flaky-1.onExit"]
	if !ok {
		return fmt.Errorf("the exit handler did not run; pods: %v", podsNamed(pods, ""))
	}
	if exit.Status.Phase != corev1.PodSucceeded || strings.Join(mainContainer(exit).Args, " ") != "the run ended Failed" {
		return fmt.Errorf("exit handler pod: %s, args %q", exit.Status.Phase, mainContainer(exit).Args)
	}
	return nil
}

// Outputs and inputs: train reads prepare's output parameter in its args
// and its output artifact as an input, from the pipeline's own artifact
// repository. The stand-in plays prepare's executor (see
// standInTaskResult); Argo's controller puts the value into train's pod.
func TestAccPipeline_outputs(t *testing.T) {
	ns := acctest.Namespace(t)
	cfg := fmt.Sprintf(`
resource "mlops_pipeline" "test" {
  name      = "handoff"
  namespace = %q
  steps = [
    {
      name    = "prepare"
      image   = "busybox:1.36"
      command = ["sh", "-c", "echo 1234 > /tmp/rows && mkdir -p /data/out"]
      outputs = { parameters = { rows = "/tmp/rows" }, artifacts = { dataset = "/data/out" } }
    },
    {
      name       = "train"
      image      = "busybox:1.36"
      command    = ["echo"]
      args       = ["--rows", "{{tasks.prepare.outputs.parameters.rows}}"]
      depends_on = ["prepare"]
      inputs     = { artifacts = { dataset = { from = "prepare.dataset", path = "/data/in" } } }
      volumes    = [{ name = "scratch", mount_path = "/scratch", empty_dir = true }]
    },
  ]
  artifact_repository = {
    s3 = { bucket = "ml-artifacts", endpoint = "minio.minio:9000", key_prefix = "churn", credentials_secret = "s3-creds", insecure = true }
  }
}
`, ns)
	resource.ParallelTest(t, testCase(t,
		resource.TestStep{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				lintAll{t},
				acctest.LiveCheck(func() error { return checkOutputs(t, ns) }),
			},
		},
		importStep(),
		resource.TestStep{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
	))
}

func checkOutputs(t *testing.T, ns string) error {
	run := "handoff-1"
	key := "churn/" + run + "/prepare/dataset.tgz"
	standInTaskResult(t, ns, run, "prepare", map[string]any{
		"parameters": []any{map[string]any{"name": "rows", "value": "1234", "valueFrom": map[string]any{"path": "/tmp/rows"}}},
		"artifacts": []any{map[string]any{"name": "dataset", "path": "/data/out", "s3": map[string]any{
			"bucket": "ml-artifacts", "endpoint": "minio.minio:9000", "insecure": true, "key": key}}},
	})
	submit(t, ns, "handoff", run, nil)
	wf, err := finished(t, ns, run)
	if err != nil {
		return err
	}
	if phaseOf(wf) != "Succeeded" {
		msg, _, _ := unstructured.NestedString(wf.Object, "status", "message")
		return fmt.Errorf("the run ended %s: %s", phaseOf(wf), msg)
	}
	pods, err := podsOf(t, ns, run)
	if err != nil {
		return err
	}
	train, prepare := pods[run+".train"], pods[run+".prepare"]
	if got := strings.Join(mainContainer(train).Args, " "); got != "--rows 1234" {
		return fmt.Errorf("train's args are %q: Argo's controller did not hand prepare's output over", got)
	}
	return checkArtifactLocations(prepare, train, key)
}

// checkArtifactLocations: prepare's pod archives to the pipeline's bucket,
// and train's pod gets prepare's artifact as its input.
func checkArtifactLocations(prepare, train corev1.Pod, key string) error {
	tmpl, err := podTemplate(prepare)
	if err != nil {
		return err
	}
	s3, _, _ := unstructured.NestedMap(tmpl, "archiveLocation", "s3")
	secret, _, _ := unstructured.NestedString(s3, "accessKeySecret", "name")
	if s3["bucket"] != "ml-artifacts" || s3["endpoint"] != "minio.minio:9000" || secret != "s3-creds" || !strings.HasPrefix(fmt.Sprint(s3["key"]), "churn/handoff-1/") {
		return fmt.Errorf("prepare's pod archives to %v", s3)
	}
	tmpl, err = podTemplate(train)
	if err != nil {
		return err
	}
	ins, _, _ := unstructured.NestedSlice(tmpl, "inputs", "artifacts")
	if len(ins) != 1 {
		return fmt.Errorf("train's inputs: %v", ins)
	}
	in := ins[0].(map[string]any)
	inKey, _, _ := unstructured.NestedString(in, "s3", "key")
	if in["name"] != "dataset" || in["path"] != "/data/in" || inKey != key {
		return fmt.Errorf("train's input artifact: %v", in)
	}
	return nil
}

// Placement and secrets: the training step lands on the GPU pool (its node
// selector and toleration), reads its token from a Secret, and mounts a
// scratch directory and the Secret; no secret value is in the state.
func TestAccPipeline_gpuStep(t *testing.T) {
	ns := acctest.Namespace(t)
	const token = "mlflow-token-5e1f0c"
	_, err := acctest.Core(t).CoreV1().Secrets(ns).Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "mlflow"}, StringData: map[string]string{"token": token},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`
resource "mlops_pipeline" "test" {
  name      = "gpu-train"
  namespace = %q
  steps = [{
    name             = "train"
    image            = "busybox:1.36"
    command          = ["sh", "-c", "test -n \"$MLFLOW_TRACKING_TOKEN\""]
    resources        = { cpu = "1", memory = "1Gi", gpu = 1 }
    env_from_secrets = { MLFLOW_TRACKING_TOKEN = { secret = "mlflow", key = "token" } }
    node_selector    = { pool = "gpu" }
    tolerations      = [{ key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" }]
    volumes = [
      { name = "scratch", mount_path = "/scratch", empty_dir = true },
      { name = "creds", mount_path = "/etc/mlflow", secret = "mlflow" },
    ]
  }]
}
`, ns)
	resource.ParallelTest(t, testCase(t,
		resource.TestStep{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				lintAll{t},
				acctest.StateLacks(token),
				acctest.LiveCheck(func() error { return checkGPUStep(t, ns) }),
			},
		},
		importStep(),
	))
}

func checkGPUStep(t *testing.T, ns string) error {
	submit(t, ns, "gpu-train", "gpu-train-1", nil)
	wf, err := finished(t, ns, "gpu-train-1")
	if err != nil {
		return err
	}
	pods, err := podsOf(t, ns, "gpu-train-1")
	if err != nil {
		return err
	}
	pod, ok := pods["gpu-train-1.train"]
	if !ok || phaseOf(wf) != "Succeeded" {
		return fmt.Errorf("the run ended %s; pods %v", phaseOf(wf), podsNamed(pods, ""))
	}
	if pod.Spec.NodeName != "kwok-gpu-0" {
		return fmt.Errorf("the training step ran on %q, not the GPU pool's node kwok-gpu-0", pod.Spec.NodeName)
	}
	c := mainContainer(pod)
	var ref *corev1.SecretKeySelector
	for _, e := range c.Env {
		if e.Name == "MLFLOW_TRACKING_TOKEN" && e.ValueFrom != nil {
			ref = e.ValueFrom.SecretKeyRef
		}
	}
	if ref == nil || ref.Name != "mlflow" || ref.Key != "token" {
		return fmt.Errorf("MLFLOW_TRACKING_TOKEN does not come from the Secret mlflow/token: %v", c.Env)
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	if mounts["scratch"] != "/scratch" || mounts["creds"] != "/etc/mlflow" {
		return fmt.Errorf("mounts %v", mounts)
	}
	if gpu := c.Resources.Limits["nvidia.com/gpu"]; gpu.String() != "1" {
		return fmt.Errorf("GPU limit %v", c.Resources.Limits)
	}
	return nil
}

// Argo's lint is not a formality: it refuses a template whose task reads an
// output of a task it does not depend on.
func TestAccPipeline_lintRefuses(t *testing.T) {
	acctest.PreCheckKube(t)
	ns := acctest.Namespace(t)
	steps := []pipelines.Step{
		{Name: "prepare", Image: "busybox:1.36", Command: []string{"true"}, OutputParameters: map[string]string{"rows": "/tmp/rows"}},
		{Name: "train", Image: "busybox:1.36", Command: []string{"echo", "{{tasks.prepare.outputs.parameters.rows}}"}},
	}
	tmpl := map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
		"metadata": map[string]any{"name": "unordered", "namespace": ns},
		"spec":     map[string]any{"entrypoint": "pipeline", "templates": pipelines.Templates(steps, nil)}}
	if err := lint(t, ns, tmpl); err == nil {
		t.Fatal("Argo's server accepted a task that reads the output of a task it does not depend on")
	} else {
		t.Log(err)
	}
	steps[1].DependsOn = []string{"prepare"}
	tmpl["spec"] = map[string]any{"entrypoint": "pipeline", "templates": pipelines.Templates(steps, nil)}
	if err := lint(t, ns, tmpl); err != nil {
		t.Fatal(err)
	}
}

// Plan-time checks of references between steps and of step settings.
func TestAccPipeline_referenceValidation(t *testing.T) {
	pipeline := func(steps string) string {
		return fmt.Sprintf(`
resource "mlops_pipeline" "test" {
  name  = "refs"
  steps = [
    { name = "prepare", image = "busybox:1.36", command = ["true"], outputs = { parameters = { rows = "/tmp/rows" }, artifacts = { dataset = "/data" } } },
    %s
  ]
}
`, steps)
	}
	cases := []struct{ steps, want string }{
		{`{ name = "train", image = "busybox:1.36", command = ["echo", "{{tasks.prepare.outputs.parameters.rows}}"] }`,
			`(?s)steps\[1\]\.command\[1\].*\{\{tasks\.prepare\.outputs\.parameters\.rows\}\} in the step "train" cannot work: the step "prepare" does not run before "train": add "prepare" to the depends_on of "train"`},
		{`{ name = "train", image = "busybox:1.36", command = ["true"], depends_on = ["prepare"], args = ["{{tasks.prepare.outputs.parameters.count}}"] }`,
			`(?s)steps\[1\]\.args\[0\].*declares no output parameter "count" \(its output parameters: rows\)`},
		{`{ name = "train", image = "busybox:1.36", command = ["true"], env = { ROWS = "{{tasks.clean.outputs.parameters.rows}}" } }`,
			`(?s)steps\[1\]\.env\["ROWS"\].*"clean" is not a step of this pipeline \(steps: prepare, train\)`},
		{`{ name = "train", image = "busybox:1.36", command = ["true"], depends_on = ["prepare"], inputs = { artifacts = { d = { from = "prepare.model", path = "/in" } } } }`,
			`(?s)steps\[1\]\.inputs\.artifacts\["d"\]\.from.*declares no output artifact "model"`},
		{`{ name = "train", image = "busybox:1.36", command = ["true"], depends_on = ["prepare"], inputs = { artifacts = { d = { from = "prepare", path = "/in" } } } }`,
			`(?s)The from value "prepare" is not <step>\.<artifact>`},
		{`{ name = "train", image = "busybox:1.36", command = ["cat", "{{tasks.prepare.outputs.artifacts.dataset}}"], depends_on = ["prepare"] }`,
			`(?s)steps\[1\]\.command\[1\].*an artifact is a file, not a string. Read it through inputs.artifacts = \{ dataset = \{ from = "prepare.dataset"`},
		{`{ name = "train", image = "busybox:1.36", command = ["true"], retries = 2, retry = { limit = 3 } }`,
			`(?s)steps\[1\]\.retry.*Retries and retry both set`},
		{`{ name = "train", image = "busybox:1.36", command = ["true"], volumes = [{ name = "v", mount_path = "/v", empty_dir = true, pvc = "data" }] }`,
			`(?s)Volume with more than one source.*sets empty_dir and pvc`},
		{`{ name = "train", image = "busybox:1.36", command = ["true"], env = { T = "x" }, env_from_secrets = { T = { secret = "s", key = "k" } } }`,
			`(?s)T is set in both env and env_from_secrets`},
		{`{ name = "train", image = "busybox:1.36", command = ["true"], retry = { limit = 1, policy = "Sometimes" } }`,
			`(?s)steps\[1\]\.retry\.policy.*Always`},
		{`{ name = "train", image = "busybox:1.36", command = ["true"], outputs = { parameters = { "a.b" = "/x" } } }`,
			`(?s)"a\.b" is not a valid parameter name`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		// Terraform wraps long messages: a space in a pattern matches any white space.
		want := regexp.MustCompile(strings.ReplaceAll(c.want, " ", `\s+`))
		steps = append(steps, resource.TestStep{Config: pipeline(c.steps), PlanOnly: true, ExpectError: want})
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheckKube(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

// parallelism, active_deadline and ttl_after_finished, carried out by Argo's
// controller: three items of a step that never ends (the fault switch's
// hang) run one at a time, the deadline fails the run, and the run is
// deleted once its time to live has passed.
func TestAccPipeline_runLimits(t *testing.T) {
	ns := acctest.Namespace(t)
	cfg := fmt.Sprintf(`
resource "mlops_pipeline" "test" {
  name      = "limits"
  namespace = %q
  steps = [{
    name       = "sweep"
    image      = "busybox:1.36"
    command    = ["sleep", "{{item}}"]
    with_items = ["3600", "3601", "3602"]
    env        = { MLOPS_TEST_POD_FAULT = "hang" }
  }]
  parallelism        = 1
  active_deadline    = "10s"
  ttl_after_finished = "5s"
}
`, ns)
	resource.ParallelTest(t, testCase(t, resource.TestStep{
		Config:            cfg,
		ConfigStateChecks: []statecheck.StateCheck{lintAll{t}, acctest.LiveCheck(func() error { return checkRunLimits(t, ns) })},
	}))
}

func checkRunLimits(t *testing.T, ns string) error {
	const run = "limits-1"
	submit(t, ns, "limits", run, nil)
	// Before the deadline: one pod at a time.
	if err := acctest.Eventually(30*time.Second, func() error {
		pods, err := podsOf(t, ns, run)
		if err != nil {
			return err
		}
		if len(pods) != 1 {
			return fmt.Errorf("want 1 pod of the sweep (parallelism = 1), got %v", podsNamed(pods, ""))
		}
		return nil
	}); err != nil {
		return err
	}
	time.Sleep(3 * time.Second) // the controller would have started the others by now
	if pods, err := podsOf(t, ns, run); err != nil || len(pods) != 1 {
		return fmt.Errorf("with parallelism = 1, pods %v (%w)", podsNamed(pods, ""), err)
	}
	wf, err := finished(t, ns, run)
	if err != nil {
		return err
	}
	// The items' nodes say why: the running one's pod was stopped at the
	// deadline Argo set on it, the ones not started exceeded it.
	var msgs []string
	for _, item := range []string{"sweep(0:3600)", "sweep(1:3601)"} {
		for _, n := range nodes(wf, item) {
			msgs = append(msgs, fmt.Sprint(n["message"]))
		}
	}
	if phaseOf(wf) != "Failed" || len(msgs) != 2 || !strings.Contains(msgs[0], "longer than the specified deadline") || !strings.Contains(msgs[1], "exceeded its deadline") {
		return fmt.Errorf("the run ended %s (items: %q), want Failed at its deadline", phaseOf(wf), msgs)
	}
	// Argo's TTL collector acts on the informer's events of finished runs. A
	// busy controller was seen here to miss the event of a run's end (no
	// "Queueing ... for delete" in its log, for this run and others that
	// ended in the same seconds), so the test touches the finished run now
	// and then: each touch is another event. What deletes the run is still
	// Argo's controller, at the time to live the template sets.
	touches := 0
	return acctest.Eventually(2*time.Minute, func() error {
		_, err := get(t, workflowGVR, ns, run)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if touches++; touches%75 == 0 { // every 15 s
			patch := fmt.Sprintf(`{"metadata":{"annotations":{"test.mlops.dev/touch":"%d"}}}`, touches)
			_, _ = acctest.Kube(t).Resource(workflowGVR).Namespace(ns).Patch(context.Background(), run, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
		}
		return fmt.Errorf("the finished run is still there after its time to live (%v)", err) //nolint:errorlint // err is nil or a lookup failure
	})
}
