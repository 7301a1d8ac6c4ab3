// Package validate holds the provider's plan-time validators. Each error
// names the attribute, says what is wrong with the value and how to fix it.
//
// It imports none of the provider's packages.
package validate

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"k8s.io/apimachinery/pkg/api/resource"
)

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// DNSLabelProblem returns why s is not an RFC 1123 DNS label, or "".
func DNSLabelProblem(s string) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > 63:
		return fmt.Sprintf("is %d characters long; a DNS label has at most 63", len(s))
	case !dnsLabel.MatchString(s):
		return "is not a DNS label: use lower-case letters, digits and '-', starting and ending with a letter or digit"
	}
	return ""
}

// DNSLabel checks that a string is an RFC 1123 DNS label.
func DNSLabel() validator.String { return dnsLabelValidator{} }

type dnsLabelValidator struct{}

func (dnsLabelValidator) Description(context.Context) string {
	return "must be a DNS label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"
}
func (v dnsLabelValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (dnsLabelValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if msg := DNSLabelProblem(req.ConfigValue.ValueString()); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid name",
			fmt.Sprintf("%q %s.", req.ConfigValue.ValueString(), msg))
	}
}

// Duration checks that a string is a positive Go duration such as "90s".
func Duration() validator.String { return durationValidator{} }

type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return `must be a positive duration such as "30s", "10m" or "2h"`
}
func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%q is not a positive duration: write a number with a unit, such as \"30s\", \"10m\" or \"2h\".", s))
	}
}

var versionLike = regexp.MustCompile(`^[vV][0-9]+$`)

// AliasProblem returns why s cannot be an MLflow model alias, or "".
func AliasProblem(s string) string {
	switch {
	case s == "":
		return "an alias cannot be empty"
	case len(s) > 255:
		return fmt.Sprintf("an alias has at most 255 bytes, this one has %d", len(s))
	case strings.EqualFold(s, "latest"):
		return `"latest" is reserved by MLflow (models:/name@latest means the newest version); choose another alias, such as "champion"`
	case versionLike.MatchString(s):
		return fmt.Sprintf("%q looks like a version reference (v<number>), which MLflow reserves; choose another alias, such as \"champion\"", s)
	case !aliasChars.MatchString(s):
		return fmt.Sprintf("%q has a character other than ASCII letters, digits, '_' and '-': MLflow refuses '/' and other punctuation, "+
			"and letters outside ASCII do not survive every MLflow store and models:/<name>@<alias> URI; use a name such as \"champion\" or \"challenger-2\"", s)
	}
	return ""
}

var aliasChars = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Alias checks an MLflow model alias.
func Alias() validator.String { return aliasValidator{} }

type aliasValidator struct{}

func (aliasValidator) Description(context.Context) string {
	return `must be a valid MLflow alias: ASCII letters, digits, '_' and '-', at most 255 bytes, not "latest" and not of the form v<number>`
}
func (v aliasValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (aliasValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if msg := AliasProblem(req.ConfigValue.ValueString()); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid model alias", msg+".")
	}
}

var positiveInt = regexp.MustCompile(`^[1-9][0-9]*$`)

// VersionNumber checks a model version number such as "3".
func VersionNumber() validator.String { return versionValidator{} }

type versionValidator struct{}

func (versionValidator) Description(context.Context) string {
	return `must be a model version number such as "3"`
}
func (v versionValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (versionValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if !positiveInt.MatchString(req.ConfigValue.ValueString()) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid model version",
			fmt.Sprintf("%q is not a model version number: MLflow numbers versions 1, 2, 3, … (write it as a string, such as \"3\").", req.ConfigValue.ValueString()))
	}
}

// NotBlank checks that a string has a character other than white space.
func NotBlank() validator.String { return notBlankValidator{} }

type notBlankValidator struct{}

func (notBlankValidator) Description(context.Context) string { return "must not be empty" }
func (v notBlankValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (notBlankValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if strings.TrimSpace(req.ConfigValue.ValueString()) == "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Empty value",
			"The value is empty or only white space: give a non-empty value, or leave the attribute out where it is optional.")
	}
}

var dns1035 = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

// DNS1035LabelProblem returns why s is not an RFC 1035 label (a DNS label
// that starts with a letter, as Kubernetes requires of service names), or "".
func DNS1035LabelProblem(s string) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > 63:
		return fmt.Sprintf("is %d characters long; a DNS label has at most 63", len(s))
	case !dns1035.MatchString(s):
		return "is not a DNS-1035 label: use lower-case letters, digits and '-', starting with a letter and ending with a letter or digit"
	}
	return ""
}

// DNS1035Label checks that a string is an RFC 1035 label.
func DNS1035Label() validator.String { return dns1035Validator{} }

type dns1035Validator struct{}

func (dns1035Validator) Description(context.Context) string {
	return "must be a DNS-1035 label: at most 63 lower-case letters, digits and '-', starting with a letter and ending with a letter or digit"
}
func (v dns1035Validator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (dns1035Validator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if msg := DNS1035LabelProblem(req.ConfigValue.ValueString()); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid name",
			fmt.Sprintf("%q %s.", req.ConfigValue.ValueString(), msg))
	}
}

// HTTPURLProblem returns why s is not an absolute http(s) URL, or "".
func HTTPURLProblem(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Sprintf("is not a URL (%v)", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return "is not an http:// or https:// URL"
	case u.Hostname() == "":
		return "has no host"
	}
	return ""
}

// HTTPURL checks that a string is an absolute http(s) URL.
func HTTPURL() validator.String { return httpURLValidator{} }

type httpURLValidator struct{}

func (httpURLValidator) Description(context.Context) string {
	return "must be an absolute http:// or https:// URL"
}
func (v httpURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (httpURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if msg := HTTPURLProblem(req.ConfigValue.ValueString()); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid URL",
			fmt.Sprintf("%q %s: give the receiver's URL, such as https://argo.example.com/api/v1/events/ml/evaluate.", req.ConfigValue.ValueString(), msg))
	}
}

// problemValidator checks a string with a function that returns why it is
// invalid, or "".
type problemValidator struct {
	summary     string
	description string
	problem     func(string) string
}

// ByProblem returns a validator that fails with summary and the problem that
// check finds, on the attribute.
func ByProblem(summary, description string, check func(string) string) validator.String {
	return problemValidator{summary: summary, description: description, problem: check}
}

func (v problemValidator) Description(context.Context) string { return v.description }
func (v problemValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (v problemValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if msg := v.problem(req.ConfigValue.ValueString()); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, msg+".")
	}
}

// ModelNameProblem returns why MLflow would refuse s as a registered model's
// name, or "": MLflow refuses empty names, '/' and ':', and names that are
// not a plain path segment ("." or names starting with "..").
func ModelNameProblem(s string) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "a model name cannot be empty"
	case strings.ContainsAny(s, "/:"):
		return fmt.Sprintf("%q has '/' or ':', which MLflow refuses in model names; use '-' or '_' instead, such as %q", s, strings.NewReplacer("/", "-", ":", "-").Replace(s))
	case pathNotUnique(s):
		return fmt.Sprintf("%q is not a name MLflow accepts (\".\" and names starting with \"..\" are refused); start the name with a letter or digit", s)
	}
	return ""
}

// ModelName checks an MLflow registered model's name.
func ModelName() validator.String {
	return ByProblem("Invalid model name", "must be an MLflow model name: not empty, without '/' or ':'", ModelNameProblem)
}

// tagKeyChars is MLflow's character rule for tag keys; Python's \w there
// matches Unicode letters and digits.
var tagKeyChars = regexp.MustCompile(`^[/\p{L}\p{N}_.\- :]*$`)

// TagKeyProblem returns why MLflow would refuse k as a registry tag's key,
// or "": empty keys, keys over 250 characters, characters other than letters,
// digits, '_', '-', '.', ' ', ':' and '/', and keys that are not a normal
// relative path (such as "a//b", "./a", "a/" or "/a").
func TagKeyProblem(k string) string {
	switch {
	case k == "":
		return "a tag key cannot be empty"
	case len([]rune(k)) > 250:
		return fmt.Sprintf("the tag key %q has %d characters; MLflow allows at most 250", string([]rune(k)[:20])+"…", len([]rune(k)))
	case !tagKeyChars.MatchString(k):
		return fmt.Sprintf("the tag key %q has a character MLflow refuses: keys may have letters, digits, '_', '-', '.', ' ', ':' and '/'", k)
	case pathNotUnique(k):
		return fmt.Sprintf("the tag key %q is refused by MLflow: a key must be a plain relative path (no leading, trailing or doubled '/', no '.' or '..' parts)", k)
	}
	return ""
}

// pathNotUnique is MLflow's rule for names that become paths: the name must
// be its own normal form (posixpath.normpath, which path.Clean matches here),
// not ".", and not start with ".." or '/'.
func pathNotUnique(s string) bool {
	n := path.Clean(s)
	return n != s || n == "." || strings.HasPrefix(n, "..") || strings.HasPrefix(n, "/")
}

// TagKeys checks every key of a tags map, with the error on that key.
func TagKeys() validator.Map { return tagKeysValidator{} }

type tagKeysValidator struct{}

func (tagKeysValidator) Description(context.Context) string {
	return "every key must be a tag key MLflow accepts: not empty, at most 250 characters"
}
func (v tagKeysValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (tagKeysValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for k := range req.ConfigValue.Elements() {
		if msg := TagKeyProblem(k); msg != "" {
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Invalid tag key", msg+".")
		}
	}
}

var uriScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// VersionSourceProblem returns why MLflow would refuse s as a model
// version's source, or "": it must be a URI with a scheme (a bare local path
// is accepted by MLflow only with run_id and inside that run's artifacts, so
// write file:///… instead), and must not have ".." parts.
func VersionSourceProblem(s string) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "the source cannot be empty"
	case !uriScheme.MatchString(s):
		return fmt.Sprintf("%q has no URI scheme: give the model's URI, such as runs:/<run_id>/model, models:/<model_id>, mlflow-artifacts:/…, s3://bucket/path or file:///absolute/path", s)
	}
	for _, part := range strings.Split(s, "/") {
		if part == ".." {
			return fmt.Sprintf("%q has a '..' part, which MLflow refuses in sources: give the absolute location", s)
		}
	}
	return ""
}

// StorageURIProblem returns why s cannot be a KServe storage URI, or "": it
// must have a scheme that KServe's storage initializer (or a
// ClusterStorageContainer) downloads from.
func StorageURIProblem(s string) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "the storage URI cannot be empty"
	case !uriScheme.MatchString(s):
		return fmt.Sprintf("%q has no URI scheme: KServe downloads models from URIs such as s3://bucket/path, gs://bucket/path, pvc://claim/path, "+
			"https://host/model.tar.gz or hf://org/model", s)
	}
	return ""
}

// QuantityProblem returns why s is not a non-negative Kubernetes resource
// quantity, or "". It must match the quantity pattern of the CRDs (the API
// server's check), which resource.ParseQuantity alone does not enforce: it
// reads "Gi" or "m" as zero.
func QuantityProblem(s string) string {
	q, err := resource.ParseQuantity(s)
	switch {
	case err != nil || !quantityPattern.MatchString(s):
		return fmt.Sprintf("%q is not a Kubernetes quantity: write a number with an optional suffix, such as \"500m\" or \"2\" for CPU and \"512Mi\" or \"8Gi\" for memory", s)
	case q.Sign() < 0:
		return fmt.Sprintf("%q is negative; a resource request cannot be", s)
	}
	return ""
}

// quantityPattern is the pattern Kubernetes' CRDs give resource quantities.
var quantityPattern = regexp.MustCompile(`^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`)

// Quantity checks a Kubernetes resource quantity such as "500m" or "2Gi".
func Quantity() validator.String {
	return ByProblem("Invalid resource quantity", "must be a Kubernetes quantity, such as \"500m\" or \"2Gi\"", QuantityProblem)
}

// MaxGPUs is the most GPUs one replica may ask for. A pod runs on one node,
// and no node offers more; a larger count could never be scheduled.
const MaxGPUs = 64

// GPUCount checks a GPU count: 0 to MaxGPUs.
func GPUCount() validator.Int64 { return gpuValidator{} }

type gpuValidator struct{}

func (gpuValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a GPU count from 0 to %d", MaxGPUs)
}
func (v gpuValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (gpuValidator) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if n := req.ConfigValue.ValueInt64(); n < 0 || n > MaxGPUs {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid GPU count",
			fmt.Sprintf("%d GPUs: give a count from 0 to %d. One replica's pod runs on one node, and no node has more GPUs than that; "+
				"to use more, run more replicas.", n, MaxGPUs))
	}
}

// MaxInt32 is the largest count Kubernetes objects hold (replicas, limits).
const MaxInt32 = 1<<31 - 1
