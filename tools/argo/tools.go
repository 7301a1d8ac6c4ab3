//go:build tools

// Package tools pins Argo Workflows' workflow-controller so that `go build`
// can build it from the Go module proxy (Argo's go.mod has a replace
// directive, so `go install` refuses it; this module repeats it). Test
// infrastructure, kept out of the provider's go.mod.
package tools

import (
	_ "github.com/argoproj/argo-workflows/v3/cmd/workflow-controller"
)
