package diags

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
)

// Unconfirmed reports an error that says nothing about an object the apply
// has just created: its server could not be reached or kept failing
// (MLflow's or the Kubernetes API's), or the apply was interrupted. What
// followed the create (a wait, a read back, a stage move) is then
// unconfirmed, not failed: an error would make Terraform taint the object
// and replace it on the next apply, though it may be fine.
func Unconfirmed(err error) bool {
	if err == nil {
		return false
	}
	var unreachable *kube.UnreachableError
	return mlflow.IsUnavailable(err) || errors.Is(err, context.Canceled) || errors.As(err, &unreachable) || kube.Transient(err)
}

// AddCreatedUnconfirmed warns that the object (its kind and id) was created
// and is recorded in the state, but what followed did not finish: step
// says what ("waiting for READY"), err why, and next what the next plan or
// refresh does about it.
func AddCreatedUnconfirmed(d *diag.Diagnostics, summary, kind, id, step string, err error, next string) {
	d.AddWarning(summary, fmt.Sprintf("The %s %s was created and is recorded in the state, but %s did not finish: %v.\n\n"+
		"It is not marked tainted, so the next apply does not replace it. %s", kind, id, step, err, next))
}

// Op is the write an operation makes: where a create and an update differ
// (a create's follow-up may be only unconfirmed; each has its own
// timeout), code asks the Op, not a verb string.
type Op int

// The writes.
const (
	Create Op = iota
	Update
)

// Verb names the write in messages: "creating", "updating".
func (o Op) Verb() string {
	if o == Create {
		return "creating"
	}
	return "updating"
}

// Timeout is the write's attribute in a timeouts block: "create", "update".
func (o Op) Timeout() string {
	if o == Create {
		return "create"
	}
	return "update"
}
