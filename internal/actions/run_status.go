package actions

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Argo's Workflow phases (status.phase). A Workflow that the controller has
// not seen yet has none.
const (
	phasePending   = "Pending"
	phaseRunning   = "Running"
	phaseSucceeded = "Succeeded"
	phaseFailed    = "Failed"
	phaseError     = "Error"
)

// finished reports whether a run's phase is final.
func finished(phase string) bool {
	return phase == phaseSucceeded || phase == phaseFailed || phase == phaseError
}

// stepNames returns the names of the steps of a template's entrypoint: the
// tasks of its DAG (what mlops_pipeline writes) or the steps of a steps
// template, in order. It returns nil when the entrypoint is neither, and
// progress then counts the run's pods instead.
func stepNames(spec map[string]any) []string {
	entry, _ := spec["entrypoint"].(string)
	templates, _ := spec["templates"].([]any)
	for _, t := range templates {
		tm, _ := t.(map[string]any)
		if name, _ := tm["name"].(string); name != entry {
			continue
		}
		var out []string
		if tasks, ok, _ := unstructured.NestedSlice(tm, "dag", "tasks"); ok {
			for _, task := range tasks {
				if m, ok := task.(map[string]any); ok {
					n, _ := m["name"].(string)
					out = append(out, n)
				}
			}
			return out
		}
		if groups, ok := tm["steps"].([]any); ok {
			for _, g := range groups {
				group, _ := g.([]any)
				for _, s := range group {
					if m, ok := s.(map[string]any); ok {
						n, _ := m["name"].(string)
						out = append(out, n)
					}
				}
			}
			return out
		}
	}
	return nil
}

// node is the part of one entry of a Workflow's status.nodes that progress
// and failures are read from.
type node struct {
	Name        string // the node's full name, such as "run-x.train(0)"
	DisplayName string // "train", or "train(0)" for an attempt of a retried step
	Type        string // Pod, Retry, DAG, Steps, Skipped, ...
	Phase       string
	Message     string
	Template    string
	StartedAt   string
	FinishedAt  string
}

func nodes(wf *unstructured.Unstructured) []node {
	m, _, _ := unstructured.NestedMap(wf.Object, "status", "nodes")
	out := make([]node, 0, len(m))
	for _, v := range m {
		n, _ := v.(map[string]any)
		s := func(k string) string { x, _ := n[k].(string); return x }
		out = append(out, node{
			Name: s("name"), DisplayName: s("displayName"), Type: s("type"), Phase: s("phase"), Message: s("message"),
			Template: s("templateName"), StartedAt: s("startedAt"), FinishedAt: s("finishedAt"),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// attempt matches the suffix Argo gives each attempt of a retried step.
var attempt = regexp.MustCompile(`\(\d+\)$`)

// stepOf returns the step a node runs: its display name without the
// attempt's suffix.
func stepOf(n node) string { return attempt.ReplaceAllString(n.DisplayName, "") }

// progress describes a run in one line, such as "Running: 1/2 steps done
// (running: train)". steps are the template's step names (nil when
// unknown: the run's pods are counted then).
func progress(wf *unstructured.Unstructured, steps []string) string {
	phase, _, _ := unstructured.NestedString(wf.Object, "status", "phase")
	if phase == "" {
		phase = phasePending
	}
	var done, total int
	var running []string
	if len(steps) > 0 {
		state := map[string]string{} // step -> phase of its node (the Retry node for a retried step)
		for _, n := range nodes(wf) {
			if n.Name == wf.GetName() || n.DisplayName != stepOf(n) {
				continue // the run's own node, or one attempt of a retried step
			}
			state[n.DisplayName] = n.Phase
		}
		total = len(steps)
		for _, s := range steps {
			switch state[s] {
			case phaseSucceeded:
				done++
			case phaseRunning:
				running = append(running, s)
			}
		}
	} else {
		for _, n := range nodes(wf) {
			if n.Type != "Pod" {
				continue
			}
			total++
			switch n.Phase {
			case phaseSucceeded:
				done++
			case phaseRunning:
				running = append(running, stepOf(n))
			}
		}
	}
	msg := fmt.Sprintf("%s: %d/%d steps done", phase, done, total)
	if len(running) > 0 && !finished(phase) {
		msg += " (running: " + strings.Join(running, ", ") + ")"
	}
	return msg
}

// failedStep is a step that failed a run.
type failedStep struct {
	Step, Message string
}

// failure explains a run that ended Failed or Error: the steps that failed
// (their pods' messages, earliest first) and the run's own message.
func failure(wf *unstructured.Unstructured) (steps []failedStep, runMessage string) {
	runMessage, _, _ = unstructured.NestedString(wf.Object, "status", "message")
	var failed []node
	for _, n := range nodes(wf) {
		if n.Type == "Pod" && (n.Phase == phaseFailed || n.Phase == phaseError) {
			failed = append(failed, n)
		}
	}
	if len(failed) == 0 { // no pod failed: a step could not start (or the DAG failed)
		for _, n := range nodes(wf) {
			if n.Name != wf.GetName() && n.Type != "DAG" && n.Type != "Steps" && (n.Phase == phaseFailed || n.Phase == phaseError) {
				failed = append(failed, n)
			}
		}
	}
	sort.SliceStable(failed, func(i, j int) bool { return failed[i].FinishedAt < failed[j].FinishedAt })
	seen := map[string]bool{}
	for _, n := range failed {
		s := stepOf(n)
		if seen[s] {
			continue // an earlier attempt of a retried step: the last one speaks for it
		}
		seen[s] = true
		steps = append(steps, failedStep{Step: s, Message: lastAttemptMessage(failed, s, n.Message)})
	}
	return steps, runMessage
}

// lastAttemptMessage returns the message of the last failed attempt of step.
func lastAttemptMessage(failed []node, step, first string) string {
	msg := first
	for _, n := range failed {
		if stepOf(n) == step && n.Message != "" {
			msg = n.Message
		}
	}
	return msg
}
