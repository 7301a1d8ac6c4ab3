package pipelines

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

// This file checks, at plan, the references between steps: Argo's
// {{tasks.<step>.outputs.parameters.<name>}} in a step's command, args, env
// and when, and inputs.artifacts' from = "<step>.<artifact>". Argo would
// refuse them only when the template is created, or a run would fail.

// taskRefRegex finds Argo's references to a task's outputs.
var taskRefRegex = regexp.MustCompile(`\{\{tasks\.([^.{}\s]+)\.outputs\.(parameters|artifacts)\.([^.{}\s]+)\}\}`)

// RefProblem is a reference that cannot work, at the attribute that holds it.
type RefProblem struct {
	At      path.Path
	Message string
}

// CheckReferences finds references to steps that do not exist, do not run
// before the referring step (through depends_on, transitively), or do not
// declare the output. Call it on a graph that CheckGraph accepts.
func CheckReferences(steps []Step) []RefProblem {
	index := map[string]int{}
	for i, s := range steps {
		index[s.Name] = i
	}
	c := refChecker{steps: steps, index: index}
	var problems []RefProblem
	for i, s := range steps {
		at := path.Root("steps").AtListIndex(i)
		c.upstream = upstreamOf(steps, index, i)
		for j, v := range s.Command {
			problems = append(problems, c.strings(i, at.AtName("command").AtListIndex(j), v)...)
		}
		for j, v := range s.Args {
			problems = append(problems, c.strings(i, at.AtName("args").AtListIndex(j), v)...)
		}
		for _, k := range tfval.SortedKeys(s.Env) {
			problems = append(problems, c.strings(i, at.AtName("env").AtMapKey(k), s.Env[k])...)
		}
		problems = append(problems, c.strings(i, at.AtName("when"), s.When)...)
		for _, k := range tfval.SortedKeys(s.InputArtifacts) {
			problems = append(problems, c.from(i, at.AtName("inputs").AtName("artifacts").AtMapKey(k).AtName("from"), s.InputArtifacts[k].From)...)
		}
	}
	return problems
}

type refChecker struct {
	steps    []Step
	index    map[string]int
	upstream map[string]bool
}

func (c refChecker) strings(i int, at path.Path, s string) []RefProblem {
	var out []RefProblem
	for _, m := range taskRefRegex.FindAllStringSubmatch(s, -1) {
		if m[2] == "artifacts" && !at.Equal(c.whenPath(i)) {
			out = append(out, RefProblem{At: at, Message: fmt.Sprintf("%s in the step %q cannot work: an artifact is a file, not a string. "+
				"Read it through inputs.artifacts = { %s = { from = %q, path = \"/data/in\" } }", m[0], c.steps[i].Name, m[3], m[1]+"."+m[3])})
			continue
		}
		if msg := c.check(i, m[1], m[2], m[3]); msg != "" {
			out = append(out, RefProblem{At: at, Message: fmt.Sprintf("%s in the step %q cannot work: %s", m[0], c.steps[i].Name, msg)})
		}
	}
	return out
}

func (c refChecker) from(i int, at path.Path, from string) []RefProblem {
	step, art, ok := strings.Cut(from, ".")
	if !ok || step == "" || art == "" || strings.Contains(art, ".") {
		return []RefProblem{{At: at, Message: fmt.Sprintf("the from value %q is not <step>.<artifact>: name the step and its output artifact, such as \"prepare.dataset\"", from)}}
	}
	if msg := c.check(i, step, "artifacts", art); msg != "" {
		return []RefProblem{{At: at, Message: fmt.Sprintf("the step %q cannot read the artifact %q: %s", c.steps[i].Name, from, msg)}}
	}
	return nil
}

func (c refChecker) whenPath(i int) path.Path {
	return path.Root("steps").AtListIndex(i).AtName("when")
}

// check returns why step i cannot use the output name (of kind
// "parameters" or "artifacts") of the step ref, or "".
func (c refChecker) check(i int, ref, kind, name string) string {
	j, ok := c.index[ref]
	self := c.steps[i].Name
	switch {
	case !ok:
		return fmt.Sprintf("%q is not a step of this pipeline (steps: %s)", ref, strings.Join(names(c.steps), ", "))
	case j == i:
		return "a step cannot use its own outputs"
	case !c.upstream[ref]:
		return fmt.Sprintf("the step %q does not run before %q: add %q to the depends_on of %q (directly, or through a step it depends on)", ref, self, ref, self)
	case c.steps[j].outputsUnknown:
		return ""
	}
	declared := c.steps[j].OutputParameters
	singular := "parameter"
	if kind == "artifacts" {
		declared, singular = c.steps[j].OutputArtifacts, "artifact"
	}
	if _, ok := declared[name]; ok {
		return ""
	}
	have := "none"
	if len(declared) > 0 {
		have = strings.Join(tfval.SortedKeys(declared), ", ")
	}
	return fmt.Sprintf("the step %q declares no output %s %q (its output %ss: %s): add it to the outputs.%s of %q",
		ref, singular, name, singular, have, kind, ref)
}

// upstreamOf is the set of steps that run before step i: its dependencies,
// theirs, and so on.
func upstreamOf(steps []Step, index map[string]int, i int) map[string]bool {
	seen := map[string]bool{}
	queue := append([]string(nil), steps[i].DependsOn...)
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if seen[n] {
			continue
		}
		seen[n] = true
		if j, ok := index[n]; ok {
			queue = append(queue, steps[j].DependsOn...)
		}
	}
	return seen
}
