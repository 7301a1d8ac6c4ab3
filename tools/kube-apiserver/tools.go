//go:build tools

// Package tools pins kube-apiserver so that `go build` can build it from the
// Go module proxy. It is test infrastructure (the envtest arrangement: a real
// API server and etcd, no nodes) and is kept out of the provider's go.mod.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
