package actions_test

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// GetProviderSchema reports both actions with the attributes of
// the user-facing contract (docs/actions), their kinds and which are required.
func TestActionSchemas(t *testing.T) {
	p := newServer(t)
	want := map[string]map[string]string{
		"mlops_pipeline_run": {
			"pipeline": "required string", "parameters": "optional map of string", "wait": "optional bool", "timeout": "optional string",
		},
		"mlops_model_alias_promote": {
			"model_name": "required string", "alias": "required string", "version": "required string",
		},
	}
	if len(p.schemas.ActionSchemas) != len(want) {
		t.Errorf("GetProviderSchema has %d actions, want %d", len(p.schemas.ActionSchemas), len(want))
	}
	for name, attrs := range want {
		s, ok := p.schemas.ActionSchemas[name]
		if !ok {
			t.Errorf("no action schema %s", name)
			continue
		}
		if len(s.Schema.Block.BlockTypes) != 0 {
			t.Errorf("%s has blocks; its configuration is attributes only", name)
		}
		got := map[string]string{}
		for _, a := range s.Schema.Block.Attributes {
			kind := "optional "
			if a.Required {
				kind = "required "
			}
			switch {
			case a.Type.Is(tftypes.String):
				kind += "string"
			case a.Type.Is(tftypes.Bool):
				kind += "bool"
			case a.Type.Is(tftypes.Map{ElementType: tftypes.String}):
				kind += "map of string"
			default:
				kind += a.Type.String()
			}
			got[a.Name] = kind
			if strings.TrimSpace(a.Description) == "" {
				t.Errorf("%s.%s has no description", name, a.Name)
			}
		}
		for a, k := range attrs {
			if got[a] != k {
				t.Errorf("%s.%s is %q, want %q", name, a, got[a], k)
			}
		}
		if len(got) != len(attrs) {
			t.Errorf("%s has attributes %v, want those of %v", name, got, attrs)
		}
	}
}

// Plan-time validation: ValidateActionConfig refuses what Kubernetes,
// Argo or MLflow would refuse, with the error on the attribute (or the
// map key) that holds the value, before the provider is even configured.
func TestValidateActionConfig(t *testing.T) {
	p := newServer(t)
	unknown := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	cases := []struct {
		name, action string
		attrs        map[string]tftypes.Value
		at           *tftypes.AttributePath // nil: valid
		want         string
	}{
		{"namespaced pipeline", "mlops_pipeline_run", map[string]tftypes.Value{"pipeline": str("ml-pipelines/churn-retrain"),
			"parameters": strMap(map[string]string{"learning_rate": "0.1", "model-name": "churn"}), "wait": boolean(true), "timeout": str("2h30m")}, nil, ""},
		{"pipeline name alone", "mlops_pipeline_run", map[string]tftypes.Value{"pipeline": str("churn-retrain")}, nil, ""},
		{"pipeline unknown at plan", "mlops_pipeline_run", map[string]tftypes.Value{"pipeline": unknown}, nil, ""},
		{"namespace not a DNS label", "mlops_pipeline_run", map[string]tftypes.Value{"pipeline": str("ML_Pipelines/churn")},
			tftypes.NewAttributePath().WithAttributeName("pipeline"), "its namespace"},
		{"empty name", "mlops_pipeline_run", map[string]tftypes.Value{"pipeline": str("ml-pipelines/")},
			tftypes.NewAttributePath().WithAttributeName("pipeline"), "`<namespace>/<name>`"},
		{"two slashes", "mlops_pipeline_run", map[string]tftypes.Value{"pipeline": str("a/b/c")},
			tftypes.NewAttributePath().WithAttributeName("pipeline"), "`<namespace>/<name>`"},
		{"parameter name", "mlops_pipeline_run", map[string]tftypes.Value{"pipeline": str("churn"), "parameters": strMap(map[string]string{"learning.rate": "0.1"})},
			tftypes.NewAttributePath().WithAttributeName("parameters").WithElementKeyString("learning.rate"), "not a valid parameter name"},
		{"timeout not a duration", "mlops_pipeline_run", map[string]tftypes.Value{"pipeline": str("churn"), "timeout": str("one hour")},
			tftypes.NewAttributePath().WithAttributeName("timeout"), "duration"},
		{"timeout not positive", "mlops_pipeline_run", map[string]tftypes.Value{"pipeline": str("churn"), "timeout": str("0s")},
			tftypes.NewAttributePath().WithAttributeName("timeout"), "positive"},

		{"valid promotion", "mlops_model_alias_promote", map[string]tftypes.Value{"model_name": str("churn"), "alias": str("champion"), "version": str("3")}, nil, ""},
		{"reserved alias latest", "mlops_model_alias_promote", map[string]tftypes.Value{"model_name": str("churn"), "alias": str("latest"), "version": str("3")},
			tftypes.NewAttributePath().WithAttributeName("alias"), "latest"},
		{"reserved alias v3", "mlops_model_alias_promote", map[string]tftypes.Value{"model_name": str("churn"), "alias": str("v3"), "version": str("3")},
			tftypes.NewAttributePath().WithAttributeName("alias"), "v3"},
		{"alias with a dot", "mlops_model_alias_promote", map[string]tftypes.Value{"model_name": str("churn"), "alias": str("champ.ion"), "version": str("3")},
			tftypes.NewAttributePath().WithAttributeName("alias"), "champ.ion"},
		{"model name with a slash", "mlops_model_alias_promote", map[string]tftypes.Value{"model_name": str("team/churn"), "alias": str("champion"), "version": str("3")},
			tftypes.NewAttributePath().WithAttributeName("model_name"), "'/'"},
		{"version not a number", "mlops_model_alias_promote", map[string]tftypes.Value{"model_name": str("churn"), "alias": str("champion"), "version": str("three")},
			tftypes.NewAttributePath().WithAttributeName("version"), "three"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := p.validate(c.action, c.attrs)
			if c.at == nil {
				if len(ds) > 0 {
					t.Fatalf("want no diagnostics, got:\n%s", diagText(ds))
				}
				return
			}
			d := oneError(t, ds)
			if d.Attribute == nil || !d.Attribute.Equal(c.at) {
				t.Errorf("the error is at %v, want %v", d.Attribute, c.at)
			}
			requireContains(t, "the error", d.Summary+": "+d.Detail, c.want)
		})
	}
}

// A timeout with wait = false bounds only the submission: a warning on
// timeout says so.
func TestValidateActionConfigTimeoutWithoutWait(t *testing.T) {
	p := newServer(t)
	ds := p.validate("mlops_pipeline_run", map[string]tftypes.Value{"pipeline": str("churn"), "wait": boolean(false), "timeout": str("2h")})
	if len(ds) != 1 || ds[0].Severity != tfprotov6.DiagnosticSeverityWarning ||
		!ds[0].Attribute.Equal(tftypes.NewAttributePath().WithAttributeName("timeout")) {
		t.Fatalf("want one warning on timeout, got:\n%s", diagText(ds))
	}
	requireContains(t, "the warning", ds[0].Detail, "wait = false", "only the submission")
}

// Without MLflow settings the promotion fails at plan, naming the setting
// and its environment variable; likewise the pipeline run without
// Kubernetes settings.
func TestPlanActionNeedsSettings(t *testing.T) {
	for _, env := range []string{"MLFLOW_TRACKING_URI", "KUBECONFIG", "KUBE_CONFIG_PATH", "KUBE_HOST"} {
		t.Setenv(env, "")
	}
	p := newServer(t)
	p.configure(nil)
	d := oneError(t, p.plan("mlops_model_alias_promote", map[string]tftypes.Value{"model_name": str("churn"), "alias": str("champion"), "version": str("3")}))
	requireContains(t, "the error", d.Detail, "mlflow.tracking_uri", "MLFLOW_TRACKING_URI")
	d = oneError(t, p.plan("mlops_pipeline_run", map[string]tftypes.Value{"pipeline": str("churn")}))
	requireContains(t, "the error", d.Detail, "KUBECONFIG", "kubernetes.config_path")
}
