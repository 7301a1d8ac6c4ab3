package acctest

import (
	"context"
	"os"
	"testing"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
)

// AuthSuffix ends the names of the tests that need MLflow's authentication
// app. scripts/test.sh runs them in the OpenTofu run, whose MLflow runs the
// app (scripts/stack.sh --mlflow-auth), and leaves them out of the
// Terraform run, whose MLflow does not; so none is skipped.
const AuthSuffix = "_mlflowAuth"

// PreCheckMLflowAuth fails the test unless the MLflow under test runs the
// authentication app, with its admin's credentials in
// MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD.
func PreCheckMLflowAuth(t *testing.T) {
	t.Helper()
	PreCheckMLflow(t)
	if os.Getenv("MLFLOW_TRACKING_USERNAME") == "" || os.Getenv("MLFLOW_TRACKING_PASSWORD") == "" {
		t.Fatalf("this test needs MLflow's authentication app and its admin's credentials: start the stack with "+
			"`scripts/stack.sh --mlflow-auth up` and export its env (scripts/test.sh runs the %s tests so)", AuthSuffix)
	}
}

// MLflowUser creates a user of the authentication app (deleted with the
// test) and returns a client that acts as that user.
func MLflowUser(t *testing.T, username string) *mlflow.Client {
	t.Helper()
	PreCheckMLflowAuth(t)
	password := "pw-" + username + "-" + RandomName("x")
	if err := MLflow(t).CreateUser(Context(t), username, password); err != nil {
		t.Fatalf("creating the MLflow user %s: %v", username, err)
	}
	t.Cleanup(func() { _ = MLflow(t).DeleteUser(context.Background(), username) })
	c, err := mlflow.New(mlflow.Config{TrackingURI: os.Getenv("MLFLOW_TRACKING_URI"), Username: username, Password: password})
	if err != nil {
		t.Fatalf("building the client of %s: %v", username, err)
	}
	return c
}
