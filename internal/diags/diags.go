// Package diags builds the provider's diagnostics so that every error reads
// the same way: the summary names the action and the object ("Error creating
// model version"), the detail says what happened, what to do, and the
// server's own message.
//
// It also classifies API errors (AddAPIError, AddKubeError) and tells a
// create whose follow-up is only unconfirmed (Unconfirmed,
// AddCreatedUnconfirmed). It imports kube, mlflow and tfval.
package diags

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

// AddAPIError adds an error for a failed call: action is a verb phrase
// ("creating", "reading"), kind the object's kind ("model version") and id
// its identity.
func AddAPIError(d *diag.Diagnostics, action, kind, id string, err error) {
	d.AddError(fmt.Sprintf("Error %s %s", action, kind), Detail(kind, id, err))
}

// Detail explains err for object kind/id, with advice where the cause is known.
func Detail(kind, id string, err error) string {
	what := fmt.Sprintf("The %s %q could not be processed.", kind, id)
	var hint string
	limit, requestTimedOut := mlflow.IsRequestTimeout(err)
	switch {
	case requestTimedOut:
		hint = fmt.Sprintf("A request to MLflow got no answer within mlflow.request_timeout (%s; environment MLFLOW_HTTP_REQUEST_TIMEOUT, in seconds). "+
			"Raise mlflow.request_timeout in the provider block, or check the server's health.", limit)
	case errors.Is(err, context.DeadlineExceeded):
		hint = "The operation ran out of time. Raise the resource's timeouts, or check the server's health."
	case mlflow.IsUnauthenticated(err):
		hint = credentialsHint(err)
	case mlflow.IsPermissionDenied(err):
		hint = "The MLflow user lacks permission for this operation. Grant it on the server, or use other credentials."
	case mlflow.IsEndpointNotFound(err):
		hint = "The server does not know this API path: check that mlflow.tracking_uri (MLFLOW_TRACKING_URI) points at an MLflow tracking server with the model registry."
	case mlflow.IsNotFound(err):
		hint = "The object does not exist on the server (it may have been deleted outside Terraform)."
	case mlflow.IsAlreadyExists(err):
		hint = "An object with this name exists already. Import it (terraform import) or choose another name."
	case mlflow.IsInvalidParameter(err):
		hint = "The server refused a value: correct the configuration as its message says."
	case mlflow.IsRateLimited(err):
		hint = "The server kept answering 'too many requests'. Retry later, or raise mlflow.max_retries."
	}
	if hint != "" {
		return fmt.Sprintf("%s %s\n\nServer said: %s", what, hint, err)
	}
	return fmt.Sprintf("%s\n\n%s", what, err)
}

// credentialsHint says which credentials a server refused (a 401), and
// which settings to check.
func credentialsHint(err error) string {
	var ae *mlflow.APIError
	errors.As(err, &ae)
	switch {
	case ae != nil && ae.Credentials == mlflow.CredentialsBasic:
		return "The MLflow server refused the credentials of mlflow.username/mlflow.password (MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD): check them. " +
			"(They are used, not mlflow.token, when both are set.)"
	case ae != nil && ae.Credentials == mlflow.CredentialsToken:
		return "The MLflow server refused the credentials of mlflow.token (MLFLOW_TRACKING_TOKEN): check the token."
	}
	return "The MLflow server requires credentials, and none are set: set mlflow.username and mlflow.password " +
		"(MLFLOW_TRACKING_USERNAME, MLFLOW_TRACKING_PASSWORD), or mlflow.token (MLFLOW_TRACKING_TOKEN)."
}

// AddNotFoundWarning warns that an object vanished outside Terraform and
// will be planned for creation.
func AddNotFoundWarning(d *diag.Diagnostics, kind, id string) {
	d.AddWarning(
		fmt.Sprintf("%s not found", tfval.Capitalize(kind)),
		fmt.Sprintf("The %s %q no longer exists (deleted outside Terraform?). It has been removed from the state and will be planned for creation.", kind, id),
	)
}

// KubeObject names what a Kubernetes-backed resource manages, for errors.
type KubeObject struct {
	Kind      string // the resource's kind in Terraform words, such as "endpoint"
	APIKind   string // the object's kind, such as "InferenceService"
	Resources string // what RBAC must allow, such as "inferenceservices.serving.kserve.io"
	Installed string // what must be installed in the cluster, such as "KServe"
}

// AddKubeError adds an error for a failed Kubernetes call on object id,
// with advice where the cause is known. A create that found the object
// there already (kube.CheckAbsent) is an error on `name` that gives the
// import command.
func AddKubeError(d *diag.Diagnostics, action string, o KubeObject, id kube.ID, err error) {
	var exists *kube.ExistsError
	if errors.As(err, &exists) {
		d.AddAttributeError(path.Root("name"), fmt.Sprintf("Error %s %s", action, o.Kind),
			fmt.Sprintf("The %s %s exists already. Import the %s with `terraform import <address> %s`, or choose another name.", exists.Kind, exists.ID, o.Kind, id))
		return
	}
	hint := ""
	switch {
	case kube.IsNamespaceNotFound(err):
		hint = "The namespace does not exist: create it first (for example with the kubernetes provider's kubernetes_namespace)."
	case kube.IsObjectNotFound(err):
		hint = fmt.Sprintf("The %s does not exist (deleted outside Terraform?).", o.APIKind)
	case apierrors.IsNotFound(err):
		hint = fmt.Sprintf("The API server does not serve %s objects: is %s installed in this cluster?", o.APIKind, o.Installed)
	case apierrors.IsInvalid(err):
		hint = "The API server refused the object: correct the configuration as its message says."
	case apierrors.IsForbidden(err):
		hint = fmt.Sprintf("The Kubernetes user lacks permission: grant it access to %s in this namespace.", o.Resources)
	case apierrors.IsUnauthorized(err):
		hint = "The API server refused the credentials: check kubernetes.token (KUBE_TOKEN), the client certificates or the exec plugin."
	}
	d.AddError(fmt.Sprintf("Error %s %s", action, o.Kind),
		strings.TrimSpace(fmt.Sprintf("The %s %s could not be processed. %s\n\nServer said: %s", o.APIKind, id, hint, err)))
}
