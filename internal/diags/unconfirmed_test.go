package diags

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
)

// A create's follow-up that fails because its server cannot be reached is
// unconfirmed, not failed; a refusal by the server is a failure. The MLflow
// case is a real connection failure: a port that nothing listens on.
func TestUnconfirmed(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	c, err := mlflow.New(mlflow.Config{TrackingURI: "http://" + addr, MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	_, refused := c.GetRegisteredModel(context.Background(), "m")
	if refused == nil {
		t.Fatal("a request to a closed port succeeded")
	}
	gr := schema.GroupResource{Group: "serving.kserve.io", Resource: "inferenceservices"}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"MLflow not reachable", refused, true},
		{"Kubernetes unreachable during a wait", &kube.UnreachableError{Err: errors.New("connection refused")}, true},
		{"Kubernetes restarting", apierrors.NewServiceUnavailable("restarting"), true},
		{"interrupted", context.Canceled, true},
		{"refused by Kubernetes", apierrors.NewForbidden(gr, "churn", errors.New("no")), false},
		{"not found", apierrors.NewNotFound(gr, "churn"), false},
		{"no error", nil, false},
	} {
		if got := Unconfirmed(tc.err); got != tc.want {
			t.Errorf("%s: Unconfirmed(%v) = %v", tc.name, tc.err, got)
		}
	}
	var d diag.Diagnostics
	AddCreatedUnconfirmed(&d, "Endpoint created, readiness not confirmed", "InferenceService", "ml/churn", "the wait", refused, "The next plan resumes it.")
	if len(d) != 1 || d[0].Severity() != diag.SeverityWarning || !strings.Contains(d[0].Detail(), "was created and is recorded in the state") ||
		!strings.Contains(d[0].Detail(), "not marked tainted") {
		t.Fatalf("%+v", d)
	}
}
