// Package pipelines implements mlops_pipeline: continuous training as an Argo
// Workflows WorkflowTemplate (a DAG of container steps) and, when scheduled,
// a CronWorkflow that runs it.
package pipelines

import (
	"fmt"
	"sort"
	"strings"
)

// Step is one container step of a pipeline.
type Step struct {
	Name      string
	Image     string
	Command   []string
	Args      []string
	DependsOn []string
	Env       map[string]string
	CPU       string
	Memory    string
	GPU       *int64
	Retries   *int64
	// TimeoutSeconds is activeDeadlineSeconds; nil for none.
	TimeoutSeconds *int64
}

// dagTemplate is the name of the DAG template that runs the steps (the
// entrypoint). Container templates are named stepPrefix+<step name>, so no
// step name can collide with it.
const (
	dagTemplate = "pipeline"
	stepPrefix  = "step-"
)

// StepProblem is a problem with one step (Index) or with the graph (-1).
type StepProblem struct {
	Index   int
	Field   string // "name", "depends_on", or "" for the whole list
	Message string
}

// CheckGraph finds duplicate step names, dependencies on unknown steps, and
// dependency cycles. A cycle's message names its steps in order.
func CheckGraph(steps []Step) []StepProblem {
	var problems []StepProblem
	index := map[string]int{}
	for i, s := range steps {
		if j, dup := index[s.Name]; dup {
			problems = append(problems, StepProblem{Index: i, Field: "name",
				Message: fmt.Sprintf("step name %q is used by steps %d and %d: step names must be unique", s.Name, j+1, i+1)})
			continue
		}
		index[s.Name] = i
	}
	for i, s := range steps {
		for _, d := range s.DependsOn {
			if _, ok := index[d]; !ok {
				problems = append(problems, StepProblem{Index: i, Field: "depends_on",
					Message: fmt.Sprintf("step %q depends on %q, which is not a step of this pipeline (steps: %s)", s.Name, d, strings.Join(names(steps), ", "))})
			} else if d == s.Name {
				problems = append(problems, StepProblem{Index: i, Field: "depends_on",
					Message: fmt.Sprintf("step %q depends on itself", s.Name)})
			}
		}
	}
	// Argo refuses a DAG that uses dependencies when a task's name begins
	// with a digit (when a run starts, not when the template is created).
	usesDependencies := false
	for _, s := range steps {
		usesDependencies = usesDependencies || len(s.DependsOn) > 0
	}
	for i, s := range steps {
		if usesDependencies && s.Name != "" && s.Name[0] >= '0' && s.Name[0] <= '9' {
			problems = append(problems, StepProblem{Index: i, Field: "name",
				Message: fmt.Sprintf("step name %q begins with a digit, which Argo refuses in a pipeline whose steps have dependencies: begin it with a letter, such as %q", s.Name, "step-"+s.Name)})
		}
	}
	if len(problems) > 0 {
		return problems
	}
	if cycle := findCycle(steps, index); cycle != nil {
		problems = append(problems, StepProblem{Index: -1, Message: fmt.Sprintf(
			"the steps' dependencies form a cycle: %s. A pipeline is a DAG: remove one of these dependencies", strings.Join(cycle, " -> "))})
	}
	return problems
}

func names(steps []Step) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.Name
	}
	return out
}

// findCycle returns one dependency cycle as a closed path (a, b, ..., a), or nil.
func findCycle(steps []Step, index map[string]int) []string {
	const (
		unvisited = iota
		inPath
		done
	)
	state := make([]int, len(steps))
	var path []string
	var visit func(i int) []string
	visit = func(i int) []string {
		state[i] = inPath
		path = append(path, steps[i].Name)
		for _, d := range steps[i].DependsOn {
			j := index[d]
			switch state[j] {
			case inPath:
				start := 0
				for k, n := range path {
					if n == d {
						start = k
					}
				}
				return append(append([]string(nil), path[start:]...), d)
			case unvisited:
				if c := visit(j); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[i] = done
		return nil
	}
	for i := range steps {
		if state[i] == unvisited {
			if c := visit(i); c != nil {
				return c
			}
		}
	}
	return nil
}

// Templates compiles the steps into Argo templates: the DAG (entrypoint)
// first, then one container template per step. Tasks keep the
// configuration's order (Argo orders the runs by the dependencies), so that
// reading the template back gives the steps as configured.
func Templates(steps []Step) []any {
	tasks := make([]any, 0, len(steps))
	templates := make([]any, 0, len(steps)+1)
	for _, s := range steps {
		task := map[string]any{"name": s.Name, "template": stepPrefix + s.Name}
		if len(s.DependsOn) > 0 {
			task["dependencies"] = toAny(s.DependsOn)
		}
		tasks = append(tasks, task)
	}
	templates = append(templates, map[string]any{"name": dagTemplate, "dag": map[string]any{"tasks": tasks}})
	for _, s := range steps {
		container := map[string]any{"image": s.Image}
		if len(s.Command) > 0 {
			container["command"] = toAny(s.Command)
		}
		if len(s.Args) > 0 {
			container["args"] = toAny(s.Args)
		}
		if len(s.Env) > 0 {
			keys := make([]string, 0, len(s.Env))
			for k := range s.Env {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			env := make([]any, 0, len(keys))
			for _, k := range keys {
				env = append(env, map[string]any{"name": k, "value": s.Env[k]})
			}
			container["env"] = env
		}
		q := map[string]any{}
		if s.CPU != "" {
			q["cpu"] = s.CPU
		}
		if s.Memory != "" {
			q["memory"] = s.Memory
		}
		if s.GPU != nil && *s.GPU > 0 {
			q["nvidia.com/gpu"] = fmt.Sprint(*s.GPU)
		}
		if len(q) > 0 {
			limits := map[string]any{}
			for k, v := range q {
				limits[k] = v
			}
			container["resources"] = map[string]any{"requests": q, "limits": limits}
		}
		t := map[string]any{"name": stepPrefix + s.Name, "container": container}
		if s.Retries != nil {
			t["retryStrategy"] = map[string]any{"limit": *s.Retries}
		}
		if s.TimeoutSeconds != nil {
			t["activeDeadlineSeconds"] = *s.TimeoutSeconds
		}
		templates = append(templates, t)
	}
	return templates
}

// Parameters compiles the pipeline's parameters into workflow arguments,
// sorted by name.
func Parameters(params map[string]string) []any {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, map[string]any{"name": k, "value": params[k]})
	}
	return out
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
