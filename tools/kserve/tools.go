//go:build tools

// Package tools pins KServe's controller manager so that `go build` can build
// it from the Go module proxy (KServe's go.mod has replace directives, so
// `go install` refuses it; this module repeats them). Test infrastructure,
// kept out of the provider's go.mod.
package tools

import (
	_ "github.com/kserve/kserve/cmd/manager"
)
