//go:build tools

// Package tools pins the Kubernetes control plane (kube-apiserver,
// kube-controller-manager and kube-scheduler) so that `go build` can build
// them from the Go module proxy. It is test infrastructure and is kept out of
// the provider's go.mod: k8s.io/kubernetes replaces its staging modules, so
// this module lists them all at the matching version.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
