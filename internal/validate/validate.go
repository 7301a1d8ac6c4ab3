// Package validate holds the provider's plan-time validators. Each error
// names the attribute, says what is wrong with the value and how to fix it.
package validate

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
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
	}
	return ""
}

// Alias checks an MLflow model alias.
func Alias() validator.String { return aliasValidator{} }

type aliasValidator struct{}

func (aliasValidator) Description(context.Context) string {
	return `must be a valid MLflow alias: not empty, at most 255 bytes, not "latest" and not of the form v<number>`
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
	case u.Host == "":
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
