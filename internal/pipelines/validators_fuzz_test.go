package pipelines

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/robfig/cron/v3"
)

// Fuzz targets for the pipeline's plan-time checks, with Argo's own rules
// (workflow/validate/validate.go in Argo v3.7) as the oracle: what passes
// the plan must pass Argo.

// FuzzCronProblem: a schedule CronProblem accepts passes Argo's check,
// cron.ParseStandard on the schedule as written (validate.go,
// ValidateCronWorkflow), and sets no time zone inline; a refused one gets a
// problem that quotes it.
func FuzzCronProblem(f *testing.F) {
	for _, s := range []string{
		"0 3 * * *", "*/15 * * * *", "0 0 1 */2 MON-FRI", "@daily", "@every 1h", "@every 0s", "30 2 * JAN,JUL SUN",
		"", " ", "0 3 * *", "61 * * * *", "* * * * * *", "@fortnightly", "TZ=UTC 0 3 * * *", "CRON_TZ=UTC @daily",
		"  0 3 * * *  ", "0\t3 * * *", "0 3 * * 7", "0 3 ? * *", "@every -1h", "@yearly", "0 3 L * *",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		problem := CronProblem(s)
		if problem != "" {
			if !strings.Contains(problem, "schedule is empty") && !strings.Contains(problem, fmt.Sprintf("%q", s)) {
				t.Fatalf("the problem with %q does not quote it: %q", s, problem)
			}
			return
		}
		if e := strings.TrimSpace(s); strings.HasPrefix(e, "TZ=") || strings.HasPrefix(e, "CRON_TZ=") {
			t.Fatalf("%q sets a time zone inline, and passes the plan", s)
		}
		if _, err := cron.ParseStandard(s); err != nil {
			t.Fatalf("%q passes the plan, Argo refuses it: %v", s, err)
		}
	})
}

// FuzzTimezoneProblem: TimezoneProblem accepts exactly the names Argo's
// check (time.LoadLocation) loads, except "" and "Local" (the controller's
// own zone), which it refuses.
func FuzzTimezoneProblem(f *testing.F) {
	for _, s := range []string{
		"UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Etc/GMT+2", "", "Local", "local", "utc", "UTC ",
		"Mars/Olympus", "../etc/passwd", "/etc/localtime", "Europe//Paris", "Europe/Paris\x00", "GMT", "EST5EDT",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		problem := TimezoneProblem(s)
		_, err := time.LoadLocation(s)
		want := err == nil && s != "" && !strings.EqualFold(s, "local")
		if (problem == "") != want {
			t.Fatalf("%q: problem %q, time.LoadLocation: %v", s, problem, err)
		}
		checkStringValidator(t, timezoneValidator{}, s, problem)
	})
}

// argoParamName is Argo's paramOrArtifactNameRegex.
var argoParamName = regexp.MustCompile(`^[-a-zA-Z0-9_]+[-a-zA-Z0-9_]*$`)

// FuzzParamNameProblem: ParamNameProblem accepts exactly Argo's parameter
// names.
func FuzzParamNameProblem(f *testing.F) {
	for _, s := range []string{"learning_rate", "MY-PARAM-1", "a", "", " ", "a.b", "a b", "é", "a\n", "{{x}}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if (ParamNameProblem(s) == "") != argoParamName.MatchString(s) {
			t.Fatalf("%q: problem %q, Argo matches %v", s, ParamNameProblem(s), argoParamName.MatchString(s))
		}
	})
}

// Argo's rule for template and task names (isValidWorkflowFieldName).
var argoFieldName = regexp.MustCompile(`^[a-zA-Z0-9][-a-zA-Z0-9]*$`)

const argoFieldMaxLength = 128

// FuzzStepNames: for two steps, the second depending on the first, whose
// names pass the schema's validators and CheckGraph, Argo accepts the
// compiled DAG: every task and template name is a field name of at most 128
// characters, and a task with dependencies has a name that does not begin
// with a digit (validate.go, validateDAG).
func FuzzStepNames(f *testing.F) {
	for _, s := range [][2]string{
		{"prepare", "train"}, {"a", "b"}, {"train", "train"}, {"Train Step", "x"}, {"a", "1-train"}, {"0", "b"},
		{strings.Repeat("a", 63), strings.Repeat("b", 63)}, {"a-", "b"}, {"a_b", "c"},
	} {
		f.Add(s[0], s[1])
	}
	nameValidators := stepNameValidators(f)
	f.Fuzz(func(t *testing.T, first, second string) {
		steps := []Step{{Name: first}, {Name: second, DependsOn: []string{first}}}
		for _, s := range steps {
			for _, v := range nameValidators {
				var resp validator.StringResponse
				v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("steps").AtListIndex(0).AtName("name"), ConfigValue: types.StringValue(s.Name)}, &resp)
				if resp.Diagnostics.HasError() {
					return // refused at plan
				}
			}
		}
		if len(CheckGraph(steps)) > 0 {
			return
		}
		for i, tm := range Templates(steps, nil) {
			name, _ := tm.(map[string]any)["name"].(string)
			if len(name) > argoFieldMaxLength || !argoFieldName.MatchString(name) {
				t.Fatalf("template %d is named %q, which Argo refuses", i, name)
			}
		}
		for _, s := range steps {
			if len(s.Name) > argoFieldMaxLength || !argoFieldName.MatchString(s.Name) {
				t.Fatalf("the task %q has a name Argo refuses", s.Name)
			}
			if len(s.DependsOn) > 0 && s.Name[0] >= '0' && s.Name[0] <= '9' {
				t.Fatalf("the task %q has dependencies and begins with a digit, which Argo refuses", s.Name)
			}
		}
	})
}

// stepNameValidators returns the validators of steps[].name in the schema,
// so that the target follows the schema.
func stepNameValidators(f *testing.F) []validator.String {
	steps, ok := pipelineSchema(context.Background()).Attributes["steps"].(schema.ListNestedAttribute)
	if !ok {
		f.Fatal("steps is not a list of nested objects")
	}
	name, ok := steps.NestedObject.Attributes["name"].(schema.StringAttribute)
	if !ok || len(name.Validators) == 0 {
		f.Fatal("steps[].name has no validators")
	}
	return name.Validators
}

// checkStringValidator asserts that v refuses s iff problem is not "", with
// one error on the attribute that carries the problem.
func checkStringValidator(t *testing.T, v validator.String, s, problem string) {
	t.Helper()
	at := path.Root("schedule").AtName("timezone")
	var resp validator.StringResponse
	v.ValidateString(context.Background(), validator.StringRequest{Path: at, ConfigValue: types.StringValue(s)}, &resp)
	if problem == "" {
		if resp.Diagnostics.HasError() {
			t.Fatalf("%q: accepted by the problem function, the validator says %v", s, resp.Diagnostics)
		}
		return
	}
	if resp.Diagnostics.ErrorsCount() != 1 {
		t.Fatalf("%q: problem %q, but the validator gives %v", s, problem, resp.Diagnostics)
	}
	d := resp.Diagnostics.Errors()[0]
	if wp, ok := d.(interface{ Path() path.Path }); !ok || !wp.Path().Equal(at) || !strings.Contains(d.Detail(), problem) {
		t.Fatalf("%q: the error is not on %s with the problem %q: %v", s, at, problem, d)
	}
}
