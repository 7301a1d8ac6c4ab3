package pipelines

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Fuzz targets for the DAG compiler. Their seeds (f.Add and
// testdata/fuzz/<target>/) run as ordinary tests with go test; fuzz with
// scripts/fuzz.sh.

// graphFromBytes decodes a step graph: the first byte gives the number of
// steps (1 to 8), then each step takes a name byte, a byte of other fields
// and a dependency count, followed by its dependencies. A name byte below
// 0x80 names the step s<index> (unique); from 0x80 it names s<(byte-0x80)%10>, which
// may repeat another step's name. Dependencies name s<byte%10>, so they may
// be unknown, repeated or the step itself. Missing bytes read as zero.
func graphFromBytes(data []byte) (steps []Step, fields []byte) {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	n := 1 + int(next())%8
	for i := range n {
		nb := next()
		name := fmt.Sprintf("s%d", i)
		if nb >= 0x80 {
			name = fmt.Sprintf("s%d", (nb-0x80)%10)
		}
		fields = append(fields, next())
		s := Step{Name: name}
		for range int(next()) % 4 {
			s.DependsOn = append(s.DependsOn, fmt.Sprintf("s%d", next()%10))
		}
		steps = append(steps, s)
	}
	return steps, fields
}

// graphBytes encodes "name:dep1,dep2" steps (names and dependencies s0..s9)
// for the seeds.
func graphBytes(spec ...string) []byte {
	out := []byte{byte(len(spec) - 1)}
	for _, s := range spec {
		name, deps, _ := strings.Cut(s, ":")
		var ds []string
		if deps != "" {
			ds = strings.Split(deps, ",")
		}
		out = append(out, 0x80+name[1]-'0', 0xff, byte(len(ds)))
		for _, d := range ds {
			out = append(out, d[1]-'0')
		}
	}
	return out
}

// TestGraphBytes checks the seeds' encoding against the decoder.
func TestGraphBytes(t *testing.T) {
	spec := []string{"s3:s2", "s2", "s1:s3", "s0:s1,s2,s3", "s3:s9,s3"}
	got, _ := graphFromBytes(graphBytes(spec...))
	want := steps(spec...)
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i].Name != want[i].Name || !slices.Equal(got[i].DependsOn, want[i].DependsOn) {
			t.Fatalf("step %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// acyclic is the oracle for cycles: Kahn's algorithm, which removes steps
// whose dependencies are all removed; the graph is acyclic iff it removes
// every step. Names must be unique and dependencies known.
func acyclic(steps []Step) bool {
	pending := map[string]int{} // step -> dependencies not yet removed
	dependents := map[string][]string{}
	for _, s := range steps {
		pending[s.Name] += len(s.DependsOn)
		for _, d := range s.DependsOn {
			dependents[d] = append(dependents[d], s.Name)
		}
	}
	var ready []string
	for _, s := range steps {
		if pending[s.Name] == 0 {
			ready = append(ready, s.Name)
		}
	}
	removed := 0
	for len(ready) > 0 {
		n := ready[len(ready)-1]
		ready = ready[:len(ready)-1]
		removed++
		for _, m := range dependents[n] {
			if pending[m]--; pending[m] == 0 {
				ready = append(ready, m)
			}
		}
	}
	return removed == len(steps)
}

// FuzzCheckGraph: CheckGraph reports each duplicate name, unknown dependency
// and self-dependency on its step and field, in order; otherwise it reports a
// cycle iff Kahn's algorithm finds one, and the cycle it names is a closed
// path along dependencies through distinct steps.
func FuzzCheckGraph(f *testing.F) {
	for _, g := range [][]string{
		{"s0"},
		{"s0", "s1:s0", "s2:s1", "s3:s1,s2"},
		{"s0:s2", "s1:s0", "s2:s1"},
		{"s0", "s1:s0,s2", "s2:s1"},
		{"s0:s0"},
		{"s0", "s1", "s0"},
		{"s0", "s1:s7"},
		{"s0", "s1:s0,s0", "s2:s1,s1,s0"},
		{"s0:s1", "s1:s0", "s2:s2", "s0:s9"},
		{"s0:s1", "s1:s2", "s2:s3", "s3:s4", "s4:s5", "s5:s6", "s6:s7", "s7:s0"},
		{"s3:s2", "s2", "s1:s3", "s0:s1,s2,s3"},
	} {
		f.Add(graphBytes(g...))
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		steps, _ := graphFromBytes(data)
		got := CheckGraph(steps)

		type want struct {
			index int
			field string
			text  string
		}
		var wants []want
		first := map[string]int{}
		for i, s := range steps {
			if j, ok := first[s.Name]; ok {
				wants = append(wants, want{i, "name", fmt.Sprintf("used by steps %d and %d", j+1, i+1)})
				continue
			}
			first[s.Name] = i
		}
		for i, s := range steps {
			for _, d := range s.DependsOn {
				switch _, known := first[d]; {
				case !known:
					wants = append(wants, want{i, "depends_on", fmt.Sprintf("depends on %q, which is not a step", d)})
				case d == s.Name:
					wants = append(wants, want{i, "depends_on", "depends on itself"})
				}
			}
		}
		if len(wants) > 0 {
			if len(got) != len(wants) {
				t.Fatalf("%v: got %d problems %+v, want %+v", steps, len(got), got, wants)
			}
			for k, w := range wants {
				if got[k].Index != w.index || got[k].Field != w.field || !strings.Contains(got[k].Message, w.text) {
					t.Fatalf("%v: problem %d is %+v, want %+v", steps, k, got[k], w)
				}
			}
			return
		}

		if acyclic(steps) {
			if len(got) != 0 {
				t.Fatalf("%v is a DAG, got %+v", steps, got)
			}
			return
		}
		if len(got) != 1 || got[0].Index != -1 {
			t.Fatalf("%v has a cycle, got %+v", steps, got)
		}
		_, rest, ok := strings.Cut(got[0].Message, "form a cycle: ")
		cycle, _, ok2 := strings.Cut(rest, ". ")
		if !ok || !ok2 {
			t.Fatalf("the cycle is not named: %q", got[0].Message)
		}
		path := strings.Split(cycle, " -> ")
		if len(path) < 3 || path[0] != path[len(path)-1] {
			t.Fatalf("%v: %q is not a closed path", steps, cycle)
		}
		seen := map[string]bool{}
		for k, n := range path[:len(path)-1] {
			if seen[n] {
				t.Fatalf("%v: %q passes %s twice", steps, cycle, n)
			}
			seen[n] = true
			if !slices.Contains(steps[first[n]].DependsOn, path[k+1]) {
				t.Fatalf("%v: %q has %s -> %s, but %s does not depend on %s", steps, cycle, n, path[k+1], n, path[k+1])
			}
		}
	})
}

// FuzzTemplates: for any steps the entrypoint DAG comes first with one task
// per step, in order, each with its dependencies and its container template;
// for a valid graph no template is named like the entrypoint or like
// another, and the WorkflowTemplate, through JSON as the API server stores
// it, reads back (stepsFromTemplates) as the steps.
func FuzzTemplates(f *testing.F) {
	f.Add(graphBytes("s0", "s1:s0", "s2:s1", "s3:s1,s2"), "train:1", "--model={{workflow.parameters.model_name}}", "A", "1", "500m", "8Gi", int64(1), int64(2), int64(7200))
	f.Add(graphBytes("s0", "s1:s0,s0"), "", "", "", "", "", "", int64(0), int64(0), int64(0))
	f.Add(graphBytes("s0", "s1", "s0"), "img", "a\"b\\c", "PATH", "", "1e3", "0.5", int64(-1), int64(-1), int64(-5))
	f.Add(graphBytes("s0:s1", "s1:s0"), "img", "✓", "ké", "\u2028", "lots", "", int64(1<<62), int64(1<<62), int64(1<<62))
	f.Add([]byte{7, 0, 0xff, 3, 1, 2, 3}, "img:latest", "\x00", "=", "=", "2", "1Gi", int64(8), int64(0), int64(1))
	f.Fuzz(func(t *testing.T, data []byte, image, arg, envKey, envValue, cpu, memory string, gpu, retries, timeout int64) {
		// Terraform's strings are UTF-8.
		for _, s := range []*string{&image, &arg, &envKey, &envValue, &cpu, &memory} {
			*s = strings.ToValidUTF8(*s, "\uFFFD")
		}
		steps, fields := graphFromBytes(data)
		for i := range steps {
			s, b := &steps[i], fields[i]
			s.Image = image
			if b&1 != 0 {
				s.Command = []string{"python", arg}
			}
			if b&2 != 0 {
				s.Args = []string{arg, image}
			}
			if b&4 != 0 {
				s.Env = map[string]string{envKey: envValue, "FIXED": "1"}
			}
			if b&8 != 0 {
				s.CPU, s.Memory = cpu, memory
			}
			if b&16 != 0 {
				s.GPU = &gpu
			}
			if b&32 != 0 {
				s.Retries = &retries
			}
			if b&64 != 0 {
				s.TimeoutSeconds = &timeout
			}
		}

		tmpls := Templates(steps, nil)
		if len(tmpls) != len(steps)+1 {
			t.Fatalf("%d steps gave %d templates", len(steps), len(tmpls))
		}
		dag, _ := tmpls[0].(map[string]any)
		tasks, _, err := unstructured.NestedSlice(dag, "dag", "tasks")
		if dag["name"] != dagTemplate || err != nil || len(tasks) != len(steps) {
			t.Fatalf("the first template is not the DAG of %d tasks: %v", len(steps), tmpls[0])
		}
		for i, s := range steps {
			task, _ := tasks[i].(map[string]any)
			deps, _, _ := unstructured.NestedStringSlice(task, "dependencies")
			if task["name"] != s.Name || !slices.Equal(deps, s.DependsOn) {
				t.Fatalf("task %d is %v, want step %q with dependencies %v", i, task, s.Name, s.DependsOn)
			}
			tmpl, _ := tmpls[i+1].(map[string]any)
			if task["template"] != tmpl["name"] || tmpl["name"] != stepPrefix+s.Name {
				t.Fatalf("task %d runs %v, template %d is %v; want %s", i, task["template"], i+1, tmpl["name"], stepPrefix+s.Name)
			}
		}
		if len(CheckGraph(steps)) > 0 {
			return // refused at plan: never compiled
		}
		names := map[any]bool{}
		for _, tm := range tmpls {
			n := tm.(map[string]any)["name"]
			if names[n] {
				t.Fatalf("two templates are named %v", n)
			}
			names[n] = true
		}

		// Through the API server: JSON, then the dynamic client's decoding.
		p := pipelineSpec{Name: "p", Namespace: "ns", Steps: steps}
		data, err = json.Marshal(p.workflowTemplate().Object)
		if err != nil {
			t.Fatal(err)
		}
		var live unstructured.Unstructured
		if err := live.UnmarshalJSON(data); err != nil {
			t.Fatalf("%v: %s", err, data)
		}
		spec, _, _ := unstructured.NestedMap(live.Object, "spec")
		back := stepsFromTemplates(spec)
		want := make([]Step, len(steps))
		for i, s := range steps {
			want[i] = normalized(s)
		}
		if !reflect.DeepEqual(back, want) {
			t.Fatalf("round trip:\n got %s\nwant %s", dump(back), dump(want))
		}
		if !utf8.Valid(data) {
			t.Fatalf("the template is not UTF-8: %q", data)
		}
	})
}

// normalized is what a step reads back as: empty lists and maps as nil, and
// no GPU unless positive (Templates asks for none otherwise).
func normalized(s Step) Step {
	if len(s.Command) == 0 {
		s.Command = nil
	}
	if len(s.Args) == 0 {
		s.Args = nil
	}
	if len(s.Env) == 0 {
		s.Env = nil
	}
	if len(s.DependsOn) == 0 {
		s.DependsOn = nil
	}
	if s.GPU != nil && *s.GPU <= 0 {
		s.GPU = nil
	}
	return s
}

func dump(steps []Step) string {
	var b strings.Builder
	for _, s := range steps {
		fmt.Fprintf(&b, "%+v", s)
		for _, p := range []*int64{s.GPU, s.Retries, s.TimeoutSeconds} {
			if p != nil {
				fmt.Fprintf(&b, " %d", *p)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
