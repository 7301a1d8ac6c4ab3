package pipelines

import (
	"reflect"
	"strings"
	"testing"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

func trainingSteps() []Step {
	factor := int64(2)
	return []Step{
		{Name: "prepare", Image: "prep:1", Command: []string{"prep"},
			OutputParameters: map[string]string{"rows": "/tmp/rows"}, OutputArtifacts: map[string]string{"dataset": "/data/out"}},
		{Name: "train", Image: "train:1", Command: []string{"train"}, DependsOn: []string{"prepare"},
			Args:             []string{"--rows={{tasks.prepare.outputs.parameters.rows}}", "--size", "{{item}}"},
			Env:              map[string]string{"ROWS": "{{tasks.prepare.outputs.parameters.rows}}", "MODEL": "{{workflow.parameters.model}}"},
			EnvFromSecrets:   map[string]workload.SecretKey{"TOKEN": {Secret: "mlflow", Key: "token"}},
			InputArtifacts:   map[string]InputArtifact{"dataset": {From: "prepare.dataset", Path: "/data/in"}},
			OutputParameters: map[string]string{"run_id": "/tmp/run_id"},
			WithItems:        []string{"small", "large"},
			Retry:            &Retry{Limit: 3, Policy: "OnError", Backoff: &Backoff{Duration: "10s", Factor: &factor, MaxDuration: "5m"}},
			Volumes:          []Volume{{Name: "scratch", MountPath: "/scratch", EmptyDir: true}, {Name: "data", MountPath: "/d", PVC: "data"}},
			NodeSelector:     map[string]string{"pool": "gpu"},
			Tolerations:      []workload.Toleration{{Key: "nvidia.com/gpu", Operator: "Exists", Effect: "NoSchedule"}},
		},
		{Name: "register", Image: "reg:1", Command: []string{"reg", "{{tasks.train.outputs.parameters.run_id}}"}, DependsOn: []string{"train"},
			When: "{{tasks.prepare.outputs.parameters.rows}} > 100"},
	}
}

// Everything a step can say survives rendering and reading back, including
// the values passed through the task's arguments.
func TestTemplatesRoundTripTraining(t *testing.T) {
	steps := trainingSteps()
	repo := &ArtifactRepository{Bucket: "b", Endpoint: "s3:9000", KeyPrefix: "churn", CredentialsSecret: "creds", Insecure: true}
	spec := map[string]any{"entrypoint": dagTemplate, "templates": Templates(steps, repo)}
	back := stepsFromTemplates(spec)
	if !reflect.DeepEqual(back, steps) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", back, steps)
	}
	if got := readArtifactRepository(spec); !reflect.DeepEqual(got, repo) {
		t.Fatalf("repository: got %+v, want %+v", got, repo)
	}
	train := spec["templates"].([]any)[2].(map[string]any)
	args := train["container"].(map[string]any)["args"].([]any)
	if args[0] != "--rows={{inputs.parameters.tasks_prepare_rows}}" || args[2] != "{{inputs.parameters.item}}" {
		t.Fatalf("the container reads what its task passes: %v", args)
	}
}

func TestCheckReferences(t *testing.T) {
	if p := CheckReferences(trainingSteps()); len(p) != 0 {
		t.Fatalf("a valid pipeline: %v", p)
	}
	cases := []struct {
		change func([]Step)
		at     string
		want   string
	}{
		{func(s []Step) { s[2].DependsOn = []string{"prepare"} }, "steps[2].command[1]", `"train" does not run before "register"`},
		{func(s []Step) { s[2].When = "{{tasks.clean.outputs.parameters.rows}} > 1" }, "steps[2].when", `"clean" is not a step of this pipeline`},
		{func(s []Step) { s[1].Args[0] = "{{tasks.train.outputs.parameters.run_id}}" }, "steps[1].args[0]", "cannot use its own outputs"},
		{func(s []Step) { s[1].InputArtifacts["dataset"] = InputArtifact{From: "prepare.model"} }, `steps[1].inputs.artifacts["dataset"].from`,
			`declares no output artifact "model" (its output artifacts: dataset)`},
		{func(s []Step) { s[1].Env["X"] = "{{tasks.prepare.outputs.artifacts.dataset}}" }, `steps[1].env["X"]`, "an artifact is a file, not a string"},
	}
	for _, c := range cases {
		steps := trainingSteps()
		c.change(steps)
		p := CheckReferences(steps)
		if len(p) != 1 || p[0].At.String() != c.at || !strings.Contains(p[0].Message, c.want) {
			t.Errorf("want one problem at %s with %q, got %+v", c.at, c.want, p)
		}
	}
	// Transitively upstream is upstream.
	steps := trainingSteps()
	steps[2].Command[1] = "{{tasks.prepare.outputs.parameters.rows}}"
	if p := CheckReferences(steps); len(p) != 0 {
		t.Fatalf("register depends on prepare through train: %v", p)
	}
}
