// Package pipelines implements mlops_pipeline: continuous training as an Argo
// Workflows WorkflowTemplate (a DAG of container steps that pass parameters
// and artifacts, with conditions, fan-out, retries, placement and an exit
// handler), a CronWorkflow that runs it when scheduled, and a
// WorkflowEventBinding that runs it on registry events (trigger).
//
// Files: dag.go (steps and their graph), references.go (references between
// steps), templates.go and templates_read.go (rendering and reading Argo's
// templates), step_*.go (a step's schema, values and checks),
// run_settings.go (exit handler, deadlines, artifact repository), cron.go,
// trigger.go, pipeline.go (the resource's CRUD) and pipeline_schema.go.
//
// It imports conns, diags, kube, mlflow, tfval, validate and workload,
// never another resource family.
package pipelines

import (
	"fmt"
	"strings"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
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

	// OutputParameters and OutputArtifacts map an output's name to the file
	// (or directory) the step writes it to.
	OutputParameters map[string]string
	OutputArtifacts  map[string]string
	// InputArtifacts map an input's name to where it comes from.
	InputArtifacts map[string]InputArtifact
	When           string
	WithItems      []string
	Retry          *Retry
	EnvFromSecrets map[string]workload.SecretKey
	Volumes        []Volume
	NodeSelector   map[string]string
	Tolerations    []workload.Toleration

	// outputsUnknown is set when the configuration's outputs are not known
	// at plan time, so that references to them are not checked.
	outputsUnknown bool
}

// InputArtifact is an artifact a step reads: From is "<step>.<artifact>",
// Path where the step finds it.
type InputArtifact struct {
	From string `tfsdk:"from"`
	Path string `tfsdk:"path"`
}

// Retry is a step's retryStrategy beyond a bare limit.
type Retry struct {
	Limit  int64
	Policy string // Always, OnFailure, OnError, OnTransientError; "" for Argo's default
	// Backoff between retries; nil for none.
	Backoff *Backoff
}

// Backoff is Argo's retry backoff: Duration, then multiplied by Factor,
// never beyond MaxDuration in total.
type Backoff struct {
	Duration    string
	Factor      *int64
	MaxDuration string
}

// Volume is a volume mounted into a step's container; exactly one of
// EmptyDir, PVC, Secret and ConfigMap is its source.
type Volume struct {
	Name      string
	MountPath string
	EmptyDir  bool
	PVC       string
	Secret    string
	ConfigMap string
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
