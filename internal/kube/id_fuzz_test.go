package kube

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"k8s.io/apimachinery/pkg/util/validation"
)

// FuzzParseID: an accepted ID has two parts, neither empty nor
// holding '/' or white space, and formats back to itself; a refused one gets
// a problem naming the format and quoting the ID; every namespace and name
// that Kubernetes accepts (its own validation is the oracle) give an ID that
// parses back to them.
func FuzzParseID(f *testing.F) {
	for _, s := range [][3]string{
		{"ml-pipelines/churn-retrain", "ml-pipelines", "churn-retrain"}, {"no-namespace", "a", "b"}, {"/churn", "", "churn"}, {"ml/", "ml", ""},
		{"a/b/c", "a/b", "c"}, {" /churn", " ", "churn"}, {"ml/ch urn", "ml", "ch urn"}, {"ml/churn\n", "ml", "churn\n"},
		{"ml\u00a0/churn", "ml", "x"}, {"", "", ""}, {"/", "a", "/"}, {"ml-serving/churn", "ml-serving", "churn"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	const format = "`<namespace>/<name>`"
	f.Fuzz(func(t *testing.T, id, namespace, name string) {
		parsed, problem := ParseID(id, "mlops_pipeline", "ml-pipelines/churn-retrain")
		ns, n := parsed.Namespace, parsed.Name
		if problem != "" {
			if !strings.Contains(problem, format) || !strings.Contains(problem, fmt.Sprintf("%q", id)) {
				t.Fatalf("problem for %q does not name the format and quote the ID: %q", id, problem)
			}
		} else {
			for _, part := range []string{ns, n} {
				if part == "" || strings.ContainsFunc(part, func(r rune) bool { return r == '/' || unicode.IsSpace(r) }) {
					t.Fatalf("%q accepted with namespace %q and name %q", id, ns, n)
				}
			}
			if parsed.String() != id {
				t.Fatalf("%q parsed to %q, %q, which formats to %q", id, ns, n, parsed.String())
			}
		}
		if len(validation.IsDNS1123Label(namespace)) > 0 || len(validation.IsDNS1123Subdomain(name)) > 0 {
			return
		}
		id = ID{Namespace: namespace, Name: name}.String()
		parsed, problem = ParseID(id, "mlops_endpoint", "ml-serving/churn")
		if problem != "" || parsed.Namespace != namespace || parsed.Name != name {
			t.Fatalf("%q (from %q and %q) parsed to %+v, problem %q", id, namespace, name, parsed, problem)
		}
	})
}
