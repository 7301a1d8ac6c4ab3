package pipelines

import (
	"reflect"
	"strings"
	"testing"
)

func steps(spec ...string) []Step {
	// "name:dep1,dep2"
	var out []Step
	for _, s := range spec {
		name, deps, _ := strings.Cut(s, ":")
		st := Step{Name: name, Image: "img"}
		if deps != "" {
			st.DependsOn = strings.Split(deps, ",")
		}
		out = append(out, st)
	}
	return out
}

func TestCheckGraphAcceptsADAG(t *testing.T) {
	if p := CheckGraph(steps("prepare", "train:prepare", "evaluate:train", "register:train,evaluate")); len(p) != 0 {
		t.Fatalf("unexpected problems %v", p)
	}
}

func TestCheckGraphFindsDuplicates(t *testing.T) {
	p := CheckGraph(steps("a", "b", "a"))
	if len(p) != 1 || p[0].Index != 2 || p[0].Field != "name" || !strings.Contains(p[0].Message, `"a" is used by steps 1 and 3`) {
		t.Fatalf("got %+v", p)
	}
}

func TestCheckGraphFindsUnknownDependencies(t *testing.T) {
	p := CheckGraph(steps("a", "b:c"))
	if len(p) != 1 || p[0].Index != 1 || p[0].Field != "depends_on" || !strings.Contains(p[0].Message, `depends on "c", which is not a step`) {
		t.Fatalf("got %+v", p)
	}
}

func TestCheckGraphNamesTheCycle(t *testing.T) {
	for _, tc := range []struct {
		steps []Step
		cycle string
	}{
		{steps("a:c", "b:a", "c:b"), "a -> c -> b -> a"},
		{steps("prepare", "train:prepare,evaluate", "evaluate:train"), "train -> evaluate -> train"},
		{steps("x:x"), ""}, // a self-dependency is reported as such
	} {
		p := CheckGraph(tc.steps)
		if len(p) != 1 {
			t.Fatalf("%v: got %+v", tc.steps, p)
		}
		if tc.cycle == "" {
			if !strings.Contains(p[0].Message, "depends on itself") {
				t.Fatalf("got %q", p[0].Message)
			}
			continue
		}
		if p[0].Index != -1 || !strings.Contains(p[0].Message, "form a cycle: "+tc.cycle) {
			t.Fatalf("want the cycle %q named, got %q", tc.cycle, p[0].Message)
		}
	}
}

func TestTemplates(t *testing.T) {
	gpu, retries, secs := int64(1), int64(2), int64(7200)
	s := []Step{
		{Name: "prepare", Image: "prep:1", Command: []string{"python", "prep.py"}},
		{Name: "train", Image: "train:1", Args: []string{"--model", "{{workflow.parameters.model_name}}"}, DependsOn: []string{"prepare"},
			Env: map[string]string{"B": "2", "A": "1"}, CPU: "2", Memory: "8Gi", GPU: &gpu, Retries: &retries, TimeoutSeconds: &secs},
	}
	tmpls := Templates(s, nil)
	if len(tmpls) != 3 {
		t.Fatalf("want the DAG and two container templates, got %d", len(tmpls))
	}
	dag := tmpls[0].(map[string]any)
	if dag["name"] != dagTemplate {
		t.Fatalf("first template %v", dag["name"])
	}
	tasks := dag["dag"].(map[string]any)["tasks"].([]any)
	if tasks[0].(map[string]any)["name"] != "prepare" || len(tasks) != 2 {
		t.Fatalf("tasks keep the configuration's order: %v", tasks)
	}
	train := tasks[1].(map[string]any)
	if train["name"] != "train" || train["template"] != "step-train" || !reflect.DeepEqual(train["dependencies"], []any{"prepare"}) {
		t.Fatalf("train task %v", train)
	}
	if _, ok := tasks[0].(map[string]any)["dependencies"]; ok {
		t.Fatal("a step without dependencies has no dependencies field")
	}
	tt := tmpls[2].(map[string]any)
	c := tt["container"].(map[string]any)
	if c["image"] != "train:1" || tt["retryStrategy"].(map[string]any)["limit"] != int64(2) || tt["activeDeadlineSeconds"] != int64(7200) {
		t.Fatalf("train template %v", tt)
	}
	env := c["env"].([]any)
	if env[0].(map[string]any)["name"] != "A" {
		t.Fatalf("env sorted by name, got %v", env)
	}
	req := c["resources"].(map[string]any)["requests"].(map[string]any)
	if req["nvidia.com/gpu"] != "1" || req["cpu"] != "2" || req["memory"] != "8Gi" {
		t.Fatalf("resources %v", req)
	}
	// Round trip through the reader.
	back := stepsFromTemplates(map[string]any{"entrypoint": dagTemplate, "templates": tmpls})
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", back, s)
	}
}

func TestParameters(t *testing.T) {
	got := Parameters(map[string]string{"min_accuracy": "0.90", "model_name": "churn"})
	want := []any{map[string]any{"name": "min_accuracy", "value": "0.90"}, map[string]any{"name": "model_name", "value": "churn"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	if got := Parameters(nil); len(got) != 0 {
		t.Fatalf("no parameters: %v", got)
	}
}

func TestCronProblem(t *testing.T) {
	for _, ok := range []string{"0 3 * * *", "*/15 * * * *", "0 0 1 */2 MON-FRI", "@daily", "@hourly", "@every 1h", "30 2 * JAN,JUL SUN"} {
		if p := CronProblem(ok); p != "" {
			t.Errorf("%q: %s", ok, p)
		}
	}
	for _, bad := range []string{"", "0 3 * *", "61 * * * *", "0 25 * * *", "* * * * * *", "@fortnightly", "TZ=UTC 0 3 * * *", "every day"} {
		if p := CronProblem(bad); p == "" {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTimezoneProblem(t *testing.T) {
	for _, ok := range []string{"UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"} {
		if p := TimezoneProblem(ok); p != "" {
			t.Errorf("%q: %s", ok, p)
		}
	}
	for _, bad := range []string{"", "Mars/Olympus", "Local", "utc+2"} {
		if p := TimezoneProblem(bad); p == "" {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFormatSeconds(t *testing.T) {
	for secs, want := range map[int64]string{7200: "2h", 600: "10m", 5400: "1h30m", 45: "45s", 3725: "1h2m5s", 0: "0s"} {
		if got := formatSeconds(secs); got != want {
			t.Errorf("%d -> %q, want %q", secs, got, want)
		}
	}
}
