package kube

import (
	"fmt"
	"strings"
	"unicode"
)

// ID names a namespaced object as `<namespace>/<name>`: the import ID and
// the identity of the provider's Kubernetes resources, and how their
// messages name them.
type ID struct{ Namespace, Name string }

// String formats the ID: `<namespace>/<name>`.
func (id ID) String() string { return id.Namespace + "/" + id.Name }

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
