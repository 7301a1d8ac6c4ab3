package diags

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
)

func TestDetailAdvice(t *testing.T) {
	for err, want := range map[error]string{
		&mlflow.APIError{StatusCode: 401, ErrorCode: mlflow.CodeUnauthenticated}:                                       "requires credentials, and none are set",
		&mlflow.APIError{StatusCode: 401, ErrorCode: mlflow.CodeUnauthenticated, Credentials: mlflow.CredentialsBasic}: "refused the credentials of mlflow.username/mlflow.password",
		&mlflow.APIError{StatusCode: 401, ErrorCode: mlflow.CodeUnauthenticated, Credentials: mlflow.CredentialsToken}: "refused the credentials of mlflow.token (MLFLOW_TRACKING_TOKEN)",
		&mlflow.APIError{StatusCode: 403, ErrorCode: mlflow.CodePermissionDenied}:                                      "lacks permission",
		&mlflow.APIError{StatusCode: 404, ErrorCode: mlflow.CodeEndpointNotFound}:                                      "MLFLOW_TRACKING_URI",
		&mlflow.APIError{StatusCode: 404, ErrorCode: mlflow.CodeResourceDoesNotExist}:                                  "does not exist",
		&mlflow.APIError{StatusCode: 400, ErrorCode: mlflow.CodeResourceAlreadyExists}:                                 "terraform import",
		fmt.Errorf("wrapped: %w", context.DeadlineExceeded):                                                            "Raise the resource's timeouts",
	} {
		if got := Detail("model version", "m/1", err); !strings.Contains(got, want) || !strings.Contains(got, `"m/1"`) {
			t.Errorf("%v: %q lacks %q", err, got, want)
		}
	}
}

func TestAddKubeErrorAdvice(t *testing.T) {
	o := KubeObject{Kind: "endpoint", APIKind: "InferenceService", Resources: "inferenceservices.serving.kserve.io", Installed: "KServe"}
	gr := schema.GroupResource{Group: "serving.kserve.io", Resource: "inferenceservices"}
	for err, want := range map[error]string{
		apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "ml"): "The namespace does not exist",
		// An object that is gone is not a missing CRD (issue 18: every 404 said "is KServe installed?").
		apierrors.NewNotFound(gr, "churn"): "The InferenceService does not exist (deleted outside Terraform?)",
		// Named like the namespaces' resource, it is still a missing object.
		apierrors.NewNotFound(gr, "namespaces-demo"): "The InferenceService does not exist (deleted outside Terraform?)",
		apierrors.NewGenericServerResponse(http.StatusNotFound, "get", gr, "", "the server could not find the requested resource", 0, false): "is KServe installed",
		apierrors.NewForbidden(gr, "churn", fmt.Errorf("no")):                                                                                "grant it access to inferenceservices.serving.kserve.io",
		apierrors.NewUnauthorized("who are you"):                                                                                             "KUBE_TOKEN",
		apierrors.NewInvalid(schema.GroupKind{Kind: "InferenceService"}, "churn", nil):                                                       "refused the object",
	} {
		var d diag.Diagnostics
		AddKubeError(&d, "creating", o, kube.ID{Namespace: "ml", Name: "churn"}, err)
		if len(d) != 1 || d[0].Summary() != "Error creating endpoint" || !strings.Contains(d[0].Detail(), want) ||
			!strings.Contains(d[0].Detail(), "InferenceService ml/churn") || !strings.Contains(d[0].Detail(), "Server said:") {
			t.Errorf("%v: %v", err, d)
		}
	}
}

// A create that finds its object there already (kube.CheckAbsent) is an
// error on `name` that names what exists and gives the import command.
func TestAddKubeErrorExists(t *testing.T) {
	o := KubeObject{Kind: "pipeline", APIKind: "WorkflowTemplate or CronWorkflow"}
	id := kube.ID{Namespace: "ml", Name: "retrain"}
	var d diag.Diagnostics
	AddKubeError(&d, "creating", o, id, fmt.Errorf("checking: %w", &kube.ExistsError{Kind: "CronWorkflow", ID: id}))
	want := "The CronWorkflow ml/retrain exists already. Import the pipeline with `terraform import <address> ml/retrain`, or choose another name."
	if len(d) != 1 || d[0].Summary() != "Error creating pipeline" || d[0].Detail() != want {
		t.Fatalf("got %v", d)
	}
	if wp, ok := d[0].(diag.DiagnosticWithPath); !ok || !wp.Path().Equal(path.Root("name")) {
		t.Errorf("the error is not on name: %v", d[0])
	}
}
