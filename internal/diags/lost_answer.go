package diags

import (
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

// AddCreateOutcome reports the end of an MLflow checked create (a create
// whose answer may be lost, such as mlflow.Client.CreateModelVersionChecked)
// of the kind's object id: an error when it failed, saying what to do when
// the object may exist (importID gives the import ID of a candidate), or a
// warning when its lost answer was recovered by looking. It returns false
// when there is no object to go on with.
func AddCreateOutcome(d *diag.Diagnostics, kind, id string, recovered bool, err error, importID func(candidate string) string) bool {
	var ambiguous *mlflow.AmbiguousCreateError
	switch {
	case errors.As(err, &ambiguous):
		advice := "Look at the " + kind + "s in MLflow"
		if len(ambiguous.Candidates) > 0 {
			advice = fmt.Sprintf("If one of them is the %s this resource should manage, import it (`terraform import <address> %s`) and delete the others; "+
				"otherwise delete them", kind, importID(ambiguous.Candidates[0]))
		}
		d.AddError("Error creating "+kind,
			fmt.Sprintf("MLflow's answer to the create of the %s %s was lost, and the %s may exist: %v.\n\n%s, then apply again.", kind, id, kind, err, advice))
		return false
	case err != nil:
		AddAPIError(d, "creating", kind, id, err)
		return false
	case recovered:
		d.AddWarning(tfval.Capitalize(kind)+" create answer lost",
			fmt.Sprintf("MLflow's answer to the create of the %s %s was lost (the connection broke or a proxy failed). The provider looked before reporting a failure "+
				"and found the %s it made, created since the create began; it is recorded in the state.", kind, id, kind))
	}
	return true
}
