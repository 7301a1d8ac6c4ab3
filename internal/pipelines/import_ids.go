package pipelines

import (
	"fmt"
	"strings"
	"unicode"
)

// parsePipelineID parses mlops_pipeline's import ID, `<namespace>/<name>`
// (INTERFACE.md). It returns the parts and "", or a problem (the
// diagnostic's detail) that names the format and quotes the ID. Neither part
// may be empty or hold white space or another '/', so formatting the parts
// again (pipelineID) gives back the ID.
func parsePipelineID(id string) (namespace, name, problem string) {
	namespace, name, ok := strings.Cut(id, "/")
	if !ok || !idPart(namespace) || !idPart(name) {
		return "", "", fmt.Sprintf("The import ID of mlops_pipeline is `<namespace>/<name>`, such as `ml-pipelines/churn-retrain`; got %q.", id)
	}
	return namespace, name, ""
}

// pipelineID formats mlops_pipeline's ID.
func pipelineID(namespace, name string) string { return namespace + "/" + name }

// idPart reports whether s can be a namespace or a name in an ID: not empty,
// no '/' and no white space (Kubernetes names have neither).
func idPart(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return r == '/' || unicode.IsSpace(r) })
}
