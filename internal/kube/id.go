package kube

import (
	"fmt"
	"strings"
	"unicode"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ID names a namespaced object as `<namespace>/<name>`: the import ID, the
// `id` attribute and the identity of the provider's Kubernetes resources,
// and how their messages name them. A cluster-scoped object has no
// namespace and is named by its name alone.
type ID struct{ Namespace, Name string }

// String formats the ID: `<namespace>/<name>`, or `<name>` without a
// namespace.
func (id ID) String() string {
	if id.Namespace == "" {
		return id.Name
	}
	return id.Namespace + "/" + id.Name
}

// IDOf is the ID of an object.
func IDOf(obj metav1.Object) ID {
	return ID{Namespace: obj.GetNamespace(), Name: obj.GetName()}
}

// ParseID parses `<namespace>/<name>`. It returns the ID and "", or a
// problem (a diagnostic's detail) that names the format for typeName, gives
// example, and quotes s. Neither part may be empty or hold white space or
// another '/', so formatting the ID again gives back s.
func ParseID(s, typeName, example string) (ID, string) {
	namespace, name, ok := strings.Cut(s, "/")
	if !ok || !IDPart(namespace) || !IDPart(name) {
		return ID{}, fmt.Sprintf("The import ID of %s is `<namespace>/<name>`, such as `%s`; got %q.", typeName, example, s)
	}
	return ID{Namespace: namespace, Name: name}, ""
}

// IDPart reports whether s can be a namespace or a name in an ID: not
// empty, no '/' and no white space (Kubernetes names have neither).
func IDPart(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return r == '/' || unicode.IsSpace(r) })
}
