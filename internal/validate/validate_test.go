package validate

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func run(v validator.String, value types.String) []string {
	req := validator.StringRequest{Path: path.Root("attr"), ConfigValue: value}
	var resp validator.StringResponse
	v.ValidateString(context.Background(), req, &resp)
	var out []string
	for _, d := range resp.Diagnostics {
		out = append(out, d.Summary()+": "+d.Detail())
	}
	return out
}

func TestValidators(t *testing.T) {
	long := strings.Repeat("a", 256)
	cases := []struct {
		name  string
		v     validator.String
		value string
		want  string // "" = valid
	}{
		{"alias ok", Alias(), "champion", ""},
		{"alias 255 bytes", Alias(), long[:255], ""},
		{"alias v-word", Alias(), "version2", ""},
		{"alias latest", Alias(), "latest", `"latest" is reserved`},
		{"alias LATEST", Alias(), "LATEST", `"latest" is reserved`},
		{"alias v3", Alias(), "v3", "looks like a version reference"},
		{"alias V3", Alias(), "V3", "looks like a version reference"},
		{"alias empty", Alias(), "", "cannot be empty"},
		{"alias long", Alias(), long, "at most 255 bytes"},
		{"dns ok", DNSLabel(), "churn-v2", ""},
		{"dns upper", DNSLabel(), "Churn", "not a DNS label"},
		{"dns underscore", DNSLabel(), "a_b", "not a DNS label"},
		{"dns dash end", DNSLabel(), "a-", "not a DNS label"},
		{"dns long", DNSLabel(), strings.Repeat("a", 64), "at most 63"},
		{"dns empty", DNSLabel(), "", "is empty"},
		{"duration ok", Duration(), "90s", ""},
		{"duration compound", Duration(), "1h30m", ""},
		{"duration no unit", Duration(), "90", "not a positive duration"},
		{"duration zero", Duration(), "0s", "not a positive duration"},
		{"duration negative", Duration(), "-5m", "not a positive duration"},
		{"version ok", VersionNumber(), "12", ""},
		{"version v", VersionNumber(), "v1", "not a model version number"},
		{"version zero", VersionNumber(), "0", "not a model version number"},
		{"version leading zero", VersionNumber(), "01", "not a model version number"},
		{"alias slash", Alias(), "prod/champion", "other than ASCII letters"},
		{"alias non-ASCII", Alias(), "champiön", "other than ASCII letters"},
		{"alias space", Alias(), "my alias", "other than ASCII letters"},
		{"alias underscore dash", Alias(), "champion_2-b", ""},
		{"model name ok", ModelName(), "churn model_v2.1", ""},
		{"model name unicode", ModelName(), "modèle", ""},
		{"model name slash", ModelName(), "team/churn", `such as "team-churn"`},
		{"model name colon", ModelName(), "churn:v2", "'/' or ':'"},
		{"model name dot", ModelName(), ".", "not a name MLflow accepts"},
		{"model name dotdot", ModelName(), "..churn", "not a name MLflow accepts"},
		{"model name blank", ModelName(), " ", "cannot be empty"},
		{"source runs", ByProblem("s", "", VersionSourceProblem), "runs:/abc/model", ""},
		{"source models", ByProblem("s", "", VersionSourceProblem), "models:/m-0123", ""},
		{"source s3", ByProblem("s", "", VersionSourceProblem), "s3://bucket/churn/7", ""},
		{"source file", ByProblem("s", "", VersionSourceProblem), "file:///srv/models/churn", ""},
		{"source bare path", ByProblem("s", "", VersionSourceProblem), "/srv/models/churn", "has no URI scheme"},
		{"source relative", ByProblem("s", "", VersionSourceProblem), "models/churn", "has no URI scheme"},
		{"source dotdot", ByProblem("s", "", VersionSourceProblem), "s3://bucket/a/../b", "'..' part"},
		{"storage s3", ByProblem("s", "", StorageURIProblem), "s3://models/churn/7", ""},
		{"storage pvc", ByProblem("s", "", StorageURIProblem), "pvc://claim/churn", ""},
		{"storage bare", ByProblem("s", "", StorageURIProblem), "models/churn/7", "has no URI scheme"},
		{"storage host", ByProblem("s", "", StorageURIProblem), "bucket.example.com/churn", "has no URI scheme"},
		{"cpu ok", Quantity(), "500m", ""},
		{"cpu whole", Quantity(), "2", ""},
		{"memory ok", Quantity(), "8Gi", ""},
		{"cpu lots", Quantity(), "lots", "not a Kubernetes quantity"},
		{"memory unit", Quantity(), "8GB", "not a Kubernetes quantity"},
		{"cpu negative", Quantity(), "-1", "is negative"},
		{"blank", NotBlank(), "  ", "empty or only white space"},
		{"not blank", NotBlank(), "x", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := run(tc.v, types.StringValue(tc.value))
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("%q: unexpected %v", tc.value, got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0], tc.want) {
				t.Fatalf("%q: got %v, want one error with %q", tc.value, got, tc.want)
			}
		})
	}
}

func TestValidatorsSkipNullAndUnknown(t *testing.T) {
	for _, v := range []validator.String{Alias(), DNSLabel(), Duration(), VersionNumber(), NotBlank()} {
		if got := run(v, types.StringNull()); len(got) != 0 {
			t.Errorf("%T on null: %v", v, got)
		}
		if got := run(v, types.StringUnknown()); len(got) != 0 {
			t.Errorf("%T on unknown: %v", v, got)
		}
	}
}

func TestHTTPURLProblem(t *testing.T) {
	for _, ok := range []string{"https://argo.example.com/api/v1/events/ml/evaluate", "http://127.0.0.1:2746/api/v1/events/default/p"} {
		if msg := HTTPURLProblem(ok); msg != "" {
			t.Errorf("%s: %s", ok, msg)
		}
	}
	for _, bad := range []string{"ftp://x/y", "argo.example.com/api", "http:///path", "https//x"} {
		if HTTPURLProblem(bad) == "" {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestTagKeyProblem(t *testing.T) {
	for _, ok := range []string{"owner", "team.name", "data/set", "a:b", "with space", "clé", strings.Repeat("k", 250)} {
		if msg := TagKeyProblem(ok); msg != "" {
			t.Errorf("%q: %s", ok, msg)
		}
	}
	for bad, want := range map[string]string{
		"":                       "cannot be empty",
		strings.Repeat("k", 251): "at most 250",
		"a=b":                    "character MLflow refuses",
		"/abs":                   "plain relative path",
		"a//b":                   "plain relative path",
		"a/":                     "plain relative path",
		"./a":                    "plain relative path",
		"..":                     "plain relative path",
		".":                      "plain relative path",
	} {
		if msg := TagKeyProblem(bad); !strings.Contains(msg, want) {
			t.Errorf("%q: got %q, want %q", bad, msg, want)
		}
	}
}

func TestTagKeysNamesTheKey(t *testing.T) {
	m := types.MapValueMust(types.StringType, map[string]attr.Value{"": types.StringValue("x"), "ok": types.StringValue("y")})
	var resp validator.MapResponse
	TagKeys().ValidateMap(context.Background(), validator.MapRequest{Path: path.Root("tags"), ConfigValue: m}, &resp)
	if len(resp.Diagnostics) != 1 {
		t.Fatalf("want one error, got %v", resp.Diagnostics)
	}
	d, ok := resp.Diagnostics[0].(diag.DiagnosticWithPath)
	if !ok || !d.Path().Equal(path.Root("tags").AtMapKey("")) || !strings.Contains(d.Detail(), "cannot be empty") {
		t.Fatalf("want the error on tags[\"\"], got %v", resp.Diagnostics)
	}
}
