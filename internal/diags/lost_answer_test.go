package diags

import (
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
)

func TestAddCreateOutcome(t *testing.T) {
	lost := errors.New("no answer from the server")
	importID := func(c string) string { return "churn/" + c }
	for _, tc := range []struct {
		name      string
		recovered bool
		err       error
		wantGo    bool
		wantSev   diag.Severity
		want      []string
	}{
		{name: "created", wantGo: true},
		{name: "recovered", recovered: true, wantGo: true, wantSev: diag.SeverityWarning,
			want: []string{"Model version create answer lost", "churn from s3://b/7", "recorded in the state"}},
		{name: "several candidates", err: &mlflow.AmbiguousCreateError{Kind: "version", Err: lost, Candidates: []string{"3", "4"}}, wantSev: diag.SeverityError,
			want: []string{"Error creating model version", "versions 3, 4 match", "terraform import <address> churn/3", "apply again"}},
		{name: "search failed", err: &mlflow.AmbiguousCreateError{Kind: "version", Err: lost, SearchErr: errors.New("down")}, wantSev: diag.SeverityError,
			want: []string{"may exist", "looking for it failed: down", "Look at the model versions in MLflow"}},
		{name: "failed", err: &mlflow.APIError{StatusCode: 400, ErrorCode: "INVALID_PARAMETER_VALUE", Message: "bad source"}, wantSev: diag.SeverityError,
			want: []string{"Error creating model version", "bad source"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d diag.Diagnostics
			if got := AddCreateOutcome(&d, "model version", "churn from s3://b/7", tc.recovered, tc.err, importID); got != tc.wantGo {
				t.Fatalf("go on = %v, want %v", got, tc.wantGo)
			}
			if len(tc.want) == 0 {
				if len(d) != 0 {
					t.Fatalf("diagnostics %v, want none", d)
				}
				return
			}
			if len(d) != 1 || d[0].Severity() != tc.wantSev {
				t.Fatalf("diagnostics %v, want one of severity %v", d, tc.wantSev)
			}
			text := d[0].Summary() + "\n" + d[0].Detail()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q lacks %q", text, w)
				}
			}
		})
	}
}
