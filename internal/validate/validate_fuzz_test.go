package validate

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Fuzz targets for the plan-time validators. Where a server's own rule is
// available in Go (Kubernetes' validation, net/url and net/http), it is the
// oracle. Their seeds (f.Add and testdata/fuzz/<target>/) run as ordinary
// tests with go test; fuzz with scripts/fuzz.sh.

// checkValidator asserts that v refuses s iff problem is not "", with one
// error on the attribute whose detail carries the problem.
func checkValidator(t *testing.T, v validator.String, s, problem string) {
	t.Helper()
	at := path.Root("steps").AtListIndex(0).AtName("name")
	var resp validator.StringResponse
	v.ValidateString(context.Background(), validator.StringRequest{Path: at, ConfigValue: types.StringValue(s)}, &resp)
	switch {
	case problem == "" && resp.Diagnostics.HasError():
		t.Fatalf("%q: the problem function accepts it, the validator says %v", s, resp.Diagnostics)
	case problem == "":
		return
	case resp.Diagnostics.ErrorsCount() != 1:
		t.Fatalf("%q: problem %q, but the validator gives %d errors", s, problem, resp.Diagnostics.ErrorsCount())
	}
	d := resp.Diagnostics.Errors()[0]
	if !strings.Contains(d.Detail(), problem) {
		t.Fatalf("%q: the error %q does not carry the problem %q", s, d.Detail(), problem)
	}
	if wp, ok := d.(interface{ Path() path.Path }); !ok || !wp.Path().Equal(at) {
		t.Fatalf("%q: the error is not on the attribute: %v", s, d)
	}
	// Null and unknown values are not checked.
	for _, value := range []types.String{types.StringNull(), types.StringUnknown()} {
		var resp validator.StringResponse
		v.ValidateString(context.Background(), validator.StringRequest{Path: at, ConfigValue: value}, &resp)
		if resp.Diagnostics.HasError() {
			t.Fatalf("%v: %v", value, resp.Diagnostics)
		}
	}
}

var labelSeeds = []string{
	"churn", "churn-v2", "a", "0", "1-train", "a-", "-a", "Churn", "a_b", "a.b", "", " ", "a b",
	strings.Repeat("a", 63), strings.Repeat("a", 64), "é", "a\n", "ａ", "a--b", "xn--bcher-kva",
}

// FuzzDNSLabelProblem: DNSLabelProblem accepts exactly what Kubernetes
// accepts as a DNS-1123 label (validation.IsDNS1123Label): so at most 63
// characters, lower-case letters, digits and '-', alphanumeric at both ends.
func FuzzDNSLabelProblem(f *testing.F) {
	for _, s := range labelSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		problem := DNSLabelProblem(s)
		k8s := validation.IsDNS1123Label(s)
		if (problem == "") != (len(k8s) == 0) {
			t.Fatalf("%q: problem %q, Kubernetes says %v", s, problem, k8s)
		}
		if problem == "" && (len(s) > 63 || !dnsLabel.MatchString(s)) {
			t.Fatalf("%q accepted", s)
		}
		checkValidator(t, DNSLabel(), s, problem)
	})
}

// FuzzDNS1035LabelProblem: DNS1035LabelProblem accepts exactly what
// Kubernetes accepts as a DNS-1035 label (Service names).
func FuzzDNS1035LabelProblem(f *testing.F) {
	for _, s := range labelSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		problem := DNS1035LabelProblem(s)
		k8s := validation.IsDNS1035Label(s)
		if (problem == "") != (len(k8s) == 0) {
			t.Fatalf("%q: problem %q, Kubernetes says %v", s, problem, k8s)
		}
		checkValidator(t, DNS1035Label(), s, problem)
	})
}

const asciiWord = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

// FuzzAliasProblem: an accepted alias is 1 to 255 bytes of ASCII letters,
// digits, '_' and '-', and is neither MLflow's reserved "latest" (in any
// case) nor a version reference v<n>.
func FuzzAliasProblem(f *testing.F) {
	for _, s := range []string{
		"champion", "prod-1", "a_b", "latest", "LaTeSt", "v3", "V12", "v", "v3a", "version2", "", " ",
		strings.Repeat("a", 255), strings.Repeat("a", 256), strings.Repeat("é", 128), "a/b", "a@b", "a b",
		"冠军", "v١", "champion\n", "latest ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		problem := AliasProblem(s)
		if problem == "" {
			if s == "" || len(s) > 255 || strings.EqualFold(s, "latest") {
				t.Fatalf("%q accepted", s)
			}
			if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') && strings.Trim(s[1:], "0123456789") == "" {
				t.Fatalf("version reference %q accepted", s)
			}
			// MLflow's characters (_REGISTERED_MODEL_ALIAS_REGEX, [\w\-]),
			// in ASCII: so no '/', and no '@' (the import ID splits there).
			for _, r := range s {
				if !strings.ContainsRune(asciiWord, r) {
					t.Fatalf("%q accepted with %q", s, r)
				}
			}
		}
		checkValidator(t, Alias(), s, problem)
	})
}

// FuzzHTTPURLProblem: an accepted URL parses with net/url, is http or https
// with a host, and Go's HTTP client can build a request to it; a refused one
// fails one of these. The error quotes the value.
func FuzzHTTPURLProblem(f *testing.F) {
	for _, s := range []string{
		"https://argo.example.com/api/v1/events/ml/evaluate", "http://localhost:2746", "http://127.0.0.1", "http://[::1]:80/x",
		"HTTPS://EXAMPLE.COM", "ftp://example.com", "example.com", "/api/v1/events", "http://", "http:///x", "http://:80",
		"http://user@", "https://a b", " http://a", "http://a\n", "http://%41", "http://[::1", "mailto:a@b", "http:x", "",
		"https://example.com/a?b=c#d", "http://é.example",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		problem := HTTPURLProblem(s)
		u, err := url.Parse(s)
		valid := err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != ""
		if (problem == "") != valid {
			t.Fatalf("%q: problem %q, but net/url gives %+v, %v", s, problem, u, err)
		}
		if problem != "" {
			return
		}
		if u.Hostname() == "" {
			t.Fatalf("%q accepted with no host name (host %q)", s, u.Host)
		}
		if _, err := http.NewRequest(http.MethodPost, s, nil); err != nil {
			t.Fatalf("%q accepted, but Go cannot build a request to it: %v", s, err)
		}
	})
}

// FuzzDuration: Duration accepts exactly the positive durations of
// time.ParseDuration, and says how to write one.
func FuzzDuration(f *testing.F) {
	for _, s := range []string{"90s", "1h30m", "2h", "0s", "-1s", "90", "", "1.5h", "400ms", "1d", " 1s", "2562047h", "2562048h", "1e3s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := time.ParseDuration(s)
		problem := ""
		if err != nil || d <= 0 {
			problem = "is not a positive duration"
		}
		checkValidator(t, Duration(), s, problem)
	})
}

// FuzzVersionNumber: VersionNumber accepts exactly the numbers MLflow gives
// versions: 1, 2, 3, ... in decimal, without sign, leading zero or space.
func FuzzVersionNumber(f *testing.F) {
	for _, s := range []string{"1", "3", "10", "0", "03", "-1", "+1", "1.0", " 1", "1 ", "", "٣", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		valid := s != "" && s[0] != '0' && strings.Trim(s, "0123456789") == ""
		problem := ""
		if !valid {
			problem = "is not a model version number"
		}
		checkValidator(t, VersionNumber(), s, problem)
	})
}

// unicodeSpace lists Unicode's White_Space characters.
const unicodeSpace = " \t\n\v\f\r\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"

// FuzzNotBlank: NotBlank refuses exactly the values that are empty or only
// white space (Unicode's, as strings.TrimSpace).
func FuzzNotBlank(f *testing.F) {
	for _, s := range []string{"x", "", " ", "\t\n", "\u00a0", "\u2003", " x ", "\x00", "\u200b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		problem := ""
		if strings.Trim(s, unicodeSpace) == "" {
			problem = "empty or only white space"
		}
		checkValidator(t, NotBlank(), s, problem)
	})
}

// FuzzModelNameProblem: an accepted model name is not blank, has no '/' or
// ':' (MLflow refuses them, and the import IDs and models:/ URIs split at
// '/'), and is not "." or a name starting with "..".
func FuzzModelNameProblem(f *testing.F) {
	for _, s := range []string{"churn", "Churn Model", "模型", "a.b", "", " ", "a/b", "a:b", ".", "..", "..a", ".a", "a..", "a\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		problem := ModelNameProblem(s)
		if problem == "" && (strings.TrimSpace(s) == "" || strings.ContainsAny(s, "/:") || s == "." || strings.HasPrefix(s, "..")) {
			t.Fatalf("%q accepted", s)
		}
		checkValidator(t, ModelName(), s, problem)
	})
}

// pythonWordChar is Python's \w on str, which MLflow's patterns use: letters
// and numbers (str.isalnum) and '_', but not combining marks.
func pythonWordChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_'
}

// FuzzTagKeyProblem: an accepted tag key passes MLflow's checks
// (_validate_tag_name): 1 to 250 characters of Python's \w, '.', '-', ' ',
// ':' and '/', and a plain relative path: no empty, "." or ".." segment, and
// no leading "..".
func FuzzTagKeyProblem(f *testing.F) {
	for _, s := range []string{
		"team", "mlflow.note", "a/b", "a b", "a:b", "모델", "", "/a", "a/", "a//b", "./a", "a/./b", "a/../b", "..a", ".a",
		"a.", "e\u0301", "a\u0903", "²", "a\n", strings.Repeat("é", 250), strings.Repeat("é", 251), "a\u200bb",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, k string) {
		if TagKeyProblem(k) != "" {
			return
		}
		if k == "" || utf8.RuneCountInString(k) > 250 || !utf8.ValidString(k) {
			t.Fatalf("%q accepted", k)
		}
		for _, r := range k {
			if !pythonWordChar(r) && !strings.ContainsRune("./- :", r) {
				t.Fatalf("%q accepted with %q (%U), which MLflow refuses", k, r, r)
			}
		}
		for _, seg := range strings.Split(k, "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("%q accepted with the path segment %q", k, seg)
			}
		}
		if strings.HasPrefix(k, "..") {
			t.Fatalf("%q accepted", k)
		}
	})
}

// uriSchemeOracle reports whether s starts with an RFC 3986 scheme and ':'.
func uriSchemeOracle(s string) bool {
	i := strings.IndexByte(s, ':')
	if i < 1 {
		return false
	}
	for j, r := range s[:i] {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (j == 0 || !strings.ContainsRune("0123456789+-.", r)) {
			return false
		}
	}
	return true
}

// FuzzVersionSourceProblem: VersionSourceProblem accepts exactly the sources
// that are not blank, start with a URI scheme, and have no ".." segment.
func FuzzVersionSourceProblem(f *testing.F) {
	for _, s := range []string{
		"runs:/abc/model", "models:/m-123", "s3://bucket/path", "file:///tmp/model", "mlflow-artifacts:/1/2", "/tmp/model", "model",
		"", " ", "1s3://x", "s3+x.y-z://b", "s3://b/../etc", "s3://b/..", "s3://b/..a", "C:\\model", ":x", "a:",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		valid := strings.TrimSpace(s) != "" && uriSchemeOracle(s) && !slices.Contains(strings.Split(s, "/"), "..")
		if (VersionSourceProblem(s) == "") != valid {
			t.Fatalf("%q: problem %q, want valid=%v", s, VersionSourceProblem(s), valid)
		}
	})
}

// FuzzStorageURIProblem: StorageURIProblem accepts exactly the URIs that are
// not blank and start with a URI scheme.
func FuzzStorageURIProblem(f *testing.F) {
	for _, s := range []string{"s3://bucket/model", "gs://b/m", "pvc://claim/path", "hf://org/model", "https://h/m.tar.gz", "/mnt/models", "", " ", "3s://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		valid := strings.TrimSpace(s) != "" && uriSchemeOracle(s)
		if (StorageURIProblem(s) == "") != valid {
			t.Fatalf("%q: problem %q, want valid=%v", s, StorageURIProblem(s), valid)
		}
	})
}

// crdQuantity is the pattern that controller-gen writes into CRDs (KServe's
// InferenceService, among others) for a resource.Quantity: the API server
// refuses anything else in the object.
var crdQuantity = regexp.MustCompile(`^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`)

// FuzzQuantityProblem: an accepted quantity is non-negative, matches the
// CRDs' quantity pattern, and survives Kubernetes' round trip (its canonical
// form parses to the same value); QuantityProblem refuses exactly what
// resource.ParseQuantity refuses, and negative values.
func FuzzQuantityProblem(f *testing.F) {
	for _, s := range []string{
		"500m", "2", "0", "1.5", "512Mi", "8Gi", "1e3", "1E3", ".5", "5.", "+1", "-1", "lots", "", " 1", "1 ", "1Ki",
		"1k", "1K", "0.0001", "1e-3", "9223372036854775807", "99999999999999999999", "1Ei", "1e400", "1m1", "0x10",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		problem := QuantityProblem(s)
		q, err := resource.ParseQuantity(s)
		if want := err == nil && q.Sign() >= 0 && crdQuantity.MatchString(s); (problem == "") != want {
			t.Fatalf("%q: problem %q, ParseQuantity gives %v, %v", s, problem, q.String(), err)
		}
		if problem != "" {
			return
		}
		back, err := resource.ParseQuantity(q.String())
		if err != nil || back.Cmp(q) != 0 {
			t.Fatalf("%q: its canonical form %q reads back as %v (%v)", s, q.String(), back.String(), err)
		}
		checkValidator(t, Quantity(), s, problem)
	})
}

// FuzzGPUCount: GPUCount accepts exactly 0 to MaxGPUs.
func FuzzGPUCount(f *testing.F) {
	for _, n := range []int64{0, 1, 8, MaxGPUs, MaxGPUs + 1, -1, math.MaxInt64, math.MinInt64} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, n int64) {
		var resp validator.Int64Response
		GPUCount().ValidateInt64(context.Background(), validator.Int64Request{Path: path.Root("gpu"), ConfigValue: types.Int64Value(n)}, &resp)
		if resp.Diagnostics.HasError() != (n < 0 || n > MaxGPUs) {
			t.Fatalf("%d: %v", n, resp.Diagnostics)
		}
	})
}
