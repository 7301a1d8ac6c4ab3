// Package provider is the mlops Terraform provider: its configuration and the
// list of resources and data sources of every backend family.
//
// It imports the families (actions, pipelines, registry, serving) and the
// lower floors; nothing imports it but protocol and the tests.
package provider

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/actions"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/conns"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/pipelines"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/registry"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/serving"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
)

var (
	_ provider.Provider            = &mlopsProvider{}
	_ provider.ProviderWithActions = &mlopsProvider{}
)

// New returns a constructor of the provider at the given version.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &mlopsProvider{version: version}
	}
}

type mlopsProvider struct {
	version string
}

type providerModel struct {
	MLflow     *mlflowModel     `tfsdk:"mlflow"`
	Kubernetes *kubernetesModel `tfsdk:"kubernetes"`
	Namespace  types.String     `tfsdk:"namespace"`
}

type mlflowModel struct {
	TrackingURI        types.String `tfsdk:"tracking_uri"`
	Token              types.String `tfsdk:"token"`
	Username           types.String `tfsdk:"username"`
	Password           types.String `tfsdk:"password"`
	InsecureSkipVerify types.Bool   `tfsdk:"insecure_skip_verify"`
	CACertFile         types.String `tfsdk:"ca_cert_file"`
	RequestTimeout     types.String `tfsdk:"request_timeout"`
	MaxRetries         types.Int64  `tfsdk:"max_retries"`
}

type kubernetesModel struct {
	ConfigPath           types.String `tfsdk:"config_path"`
	ConfigContext        types.String `tfsdk:"config_context"`
	Host                 types.String `tfsdk:"host"`
	Token                types.String `tfsdk:"token"`
	ClusterCACertificate types.String `tfsdk:"cluster_ca_certificate"`
	ClientCertificate    types.String `tfsdk:"client_certificate"`
	ClientKey            types.String `tfsdk:"client_key"`
	Insecure             types.Bool   `tfsdk:"insecure"`
	Exec                 *execModel   `tfsdk:"exec"`
}

type execModel struct {
	APIVersion types.String `tfsdk:"api_version"`
	Command    types.String `tfsdk:"command"`
	Args       types.List   `tfsdk:"args"`
	Env        types.Map    `tfsdk:"env"`
}

func (p *mlopsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "mlops"
	resp.Version = p.version
}

func (p *mlopsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages machine-learning deployment infrastructure: MLflow Model Registry objects " +
			"(registered models, versions, aliases), KServe endpoints and Argo training pipelines. " +
			"Every setting has an environment fallback, so a Terraform Cloud workspace can be configured with variables alone. " +
			"Each backend's settings are checked only when a resource of that family is used.",
		Attributes: map[string]schema.Attribute{
			"mlflow": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "How to reach the MLflow tracking server whose Model Registry the registry resources manage.",
				Attributes: map[string]schema.Attribute{
					"tracking_uri": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Base URL of the MLflow tracking server, such as `https://mlflow.example.com`. Environment: `MLFLOW_TRACKING_URI`.",
						Validators:          []validator.String{stringvalidator.RegexMatches(httpURL, "must be an http:// or https:// URL")},
					},
					"token": schema.StringAttribute{
						Optional:            true,
						Sensitive:           true,
						MarkdownDescription: "Bearer token. Ignored when `username` and `password` are set (Basic auth wins, as in MLflow's own client). Environment: `MLFLOW_TRACKING_TOKEN`.",
					},
					"username": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Basic auth user. Environment: `MLFLOW_TRACKING_USERNAME`.",
					},
					"password": schema.StringAttribute{
						Optional:            true,
						Sensitive:           true,
						MarkdownDescription: "Basic auth password. Environment: `MLFLOW_TRACKING_PASSWORD`.",
					},
					"insecure_skip_verify": schema.BoolAttribute{
						Optional:            true,
						MarkdownDescription: "Skip verification of the server's TLS certificate. Environment: `MLFLOW_TRACKING_INSECURE_TLS`. Default `false`.",
					},
					"ca_cert_file": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Path of a PEM file of CA certificates to trust for the server, in addition to the system's. Environment: `MLFLOW_TRACKING_SERVER_CERT_PATH`.",
					},
					"request_timeout": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Time limit of one HTTP request, as a Go duration (`120s`, `2m`). Environment: `MLFLOW_HTTP_REQUEST_TIMEOUT` (seconds). Default `120s`.",
						Validators:          []validator.String{validate.Duration()},
					},
					"max_retries": schema.Int64Attribute{
						Optional: true,
						MarkdownDescription: "How many times a request is retried on 408, 429, 5xx answers and connection errors, with exponential backoff " +
							"and jitter, honouring `Retry-After`. Environment: `MLFLOW_HTTP_REQUEST_MAX_RETRIES`. Default `7`.",
						Validators: []validator.Int64{int64validator.Between(0, 50)},
					},
				},
			},
			"kubernetes": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "How to reach the Kubernetes API server of the serving (KServe) and pipeline (Argo) resources.",
				Attributes: map[string]schema.Attribute{
					"config_path": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Path of a kubeconfig file. Environment: `KUBE_CONFIG_PATH`, then `KUBECONFIG`.",
					},
					"config_context": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Context of the kubeconfig to use. Environment: `KUBE_CTX`.",
					},
					"host": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Address of the API server, such as `https://10.0.0.1:6443`. Environment: `KUBE_HOST`.",
					},
					"token": schema.StringAttribute{
						Optional:            true,
						Sensitive:           true,
						MarkdownDescription: "Bearer token. Environment: `KUBE_TOKEN`.",
					},
					"cluster_ca_certificate": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "PEM CA certificate of the API server. Environment: `KUBE_CLUSTER_CA_CERT_DATA`.",
					},
					"client_certificate": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "PEM client certificate. Environment: `KUBE_CLIENT_CERT_DATA`.",
					},
					"client_key": schema.StringAttribute{
						Optional:            true,
						Sensitive:           true,
						MarkdownDescription: "PEM client key. Environment: `KUBE_CLIENT_KEY_DATA`.",
					},
					"insecure": schema.BoolAttribute{
						Optional:            true,
						MarkdownDescription: "Skip verification of the API server's certificate. Environment: `KUBE_INSECURE`. Default `false`.",
					},
					"exec": schema.SingleNestedAttribute{
						Optional:            true,
						MarkdownDescription: "An exec credential plugin that prints a token, such as `aws eks get-token`.",
						Attributes: map[string]schema.Attribute{
							"api_version": schema.StringAttribute{Required: true, MarkdownDescription: "API version of the ExecCredential, such as `client.authentication.k8s.io/v1beta1`."},
							"command":     schema.StringAttribute{Required: true, MarkdownDescription: "Command to run."},
							"args":        schema.ListAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Its arguments."},
							"env":         schema.MapAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Extra environment variables."},
						},
					},
				},
			},
			"namespace": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Default namespace of endpoints and pipelines. Environment: `MLOPS_NAMESPACE`. Default `default`.",
				Validators:          []validator.String{validate.DNSLabel()},
			},
		},
	}
}

// Configure reads the provider's settings (each with its environment
// fallback) into the data every resource, data source and action gets.
// Clients are built later, when a resource of a family first needs one.
func (p *mlopsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	data := &conns.ProviderData{Version: p.version}
	data.MLflow = mlflowSettings(cfg.MLflow, &resp.Diagnostics)
	ctx = tflog.MaskAllFieldValuesStrings(ctx, nonEmpty(data.MLflow.Token, data.MLflow.Password)...)
	data.Kubernetes = kubernetesSettings(ctx, cfg.Kubernetes, &resp.Diagnostics)
	data.Namespace = namespaceSetting(cfg.Namespace, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	tflog.Debug(ctx, "configured the mlops provider", map[string]any{
		"mlflow_tracking_uri": data.MLflow.TrackingURI,
		"namespace":           data.Namespace,
	})
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.ActionData = data
}

// mlflowSettings reads the mlflow block, or the MLFLOW_* environment
// variables where it leaves a setting out.
func mlflowSettings(m *mlflowModel, d *diag.Diagnostics) mlflow.Config {
	if m == nil {
		m = &mlflowModel{}
	}
	s := mlflow.Config{
		TrackingURI: strings.TrimSpace(str(m.TrackingURI, "MLFLOW_TRACKING_URI")),
		Token:       str(m.Token, "MLFLOW_TRACKING_TOKEN"),
		Username:    str(m.Username, "MLFLOW_TRACKING_USERNAME"),
		Password:    str(m.Password, "MLFLOW_TRACKING_PASSWORD"),
		CACertFile:  str(m.CACertFile, "MLFLOW_TRACKING_SERVER_CERT_PATH"),
		MaxRetries:  mlflow.DefaultMaxRetries,
	}
	var err error
	if s.InsecureSkipVerify, err = boolean(m.InsecureSkipVerify, "MLFLOW_TRACKING_INSECURE_TLS"); err != nil {
		d.AddAttributeError(path.Root("mlflow").AtName("insecure_skip_verify"), "Invalid MLFLOW_TRACKING_INSECURE_TLS", err.Error())
	}
	if t, ok := requestTimeout(m.RequestTimeout, d); ok {
		s.RequestTimeout = t
	}
	if n, ok := maxRetries(m.MaxRetries, d); ok {
		s.MaxRetries = n
	}
	return s
}

// requestTimeout is mlflow.request_timeout, else MLFLOW_HTTP_REQUEST_TIMEOUT
// in seconds; false when neither is set or the variable is invalid.
func requestTimeout(v types.String, d *diag.Diagnostics) (time.Duration, bool) {
	switch {
	case !v.IsNull() && !v.IsUnknown():
		t, _ := time.ParseDuration(v.ValueString()) // validated by the schema
		return t, true
	case os.Getenv("MLFLOW_HTTP_REQUEST_TIMEOUT") != "":
		secs, err := strconv.ParseFloat(os.Getenv("MLFLOW_HTTP_REQUEST_TIMEOUT"), 64)
		if err != nil || secs <= 0 {
			d.AddAttributeError(path.Root("mlflow").AtName("request_timeout"), "Invalid MLFLOW_HTTP_REQUEST_TIMEOUT",
				"MLFLOW_HTTP_REQUEST_TIMEOUT must be a positive number of seconds, such as 120.")
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	return 0, false
}

// maxRetries is mlflow.max_retries, else MLFLOW_HTTP_REQUEST_MAX_RETRIES;
// false when neither is set or the variable is invalid.
func maxRetries(v types.Int64, d *diag.Diagnostics) (int, bool) {
	switch {
	case !v.IsNull() && !v.IsUnknown():
		return int(v.ValueInt64()), true
	case os.Getenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES") != "":
		n, err := strconv.Atoi(os.Getenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES"))
		if err != nil || n < 0 {
			d.AddAttributeError(path.Root("mlflow").AtName("max_retries"), "Invalid MLFLOW_HTTP_REQUEST_MAX_RETRIES",
				"MLFLOW_HTTP_REQUEST_MAX_RETRIES must be a whole number of 0 or more, such as 7.")
			return 0, false
		}
		return n, true
	}
	return 0, false
}

// kubernetesSettings reads the kubernetes block, or the KUBE_* environment
// variables where it leaves a setting out.
func kubernetesSettings(ctx context.Context, k *kubernetesModel, d *diag.Diagnostics) kube.Settings {
	if k == nil {
		k = &kubernetesModel{}
	}
	s := kube.Settings{
		ConfigPath:           str(k.ConfigPath, "KUBE_CONFIG_PATH", "KUBECONFIG"),
		ConfigContext:        str(k.ConfigContext, "KUBE_CTX"),
		Host:                 str(k.Host, "KUBE_HOST"),
		Token:                str(k.Token, "KUBE_TOKEN"),
		ClusterCACertificate: str(k.ClusterCACertificate, "KUBE_CLUSTER_CA_CERT_DATA"),
		ClientCertificate:    str(k.ClientCertificate, "KUBE_CLIENT_CERT_DATA"),
		ClientKey:            str(k.ClientKey, "KUBE_CLIENT_KEY_DATA"),
	}
	var err error
	if s.Insecure, err = boolean(k.Insecure, "KUBE_INSECURE"); err != nil {
		d.AddAttributeError(path.Root("kubernetes").AtName("insecure"), "Invalid KUBE_INSECURE", err.Error())
	}
	if k.Exec != nil {
		e := &kube.ExecSettings{APIVersion: k.Exec.APIVersion.ValueString(), Command: k.Exec.Command.ValueString()}
		d.Append(k.Exec.Args.ElementsAs(ctx, &e.Args, false)...)
		d.Append(k.Exec.Env.ElementsAs(ctx, &e.Env, false)...)
		s.Exec = e
	}
	return s
}

// namespaceSetting is the default namespace: namespace, else
// MLOPS_NAMESPACE, else default; it must be a DNS label.
func namespaceSetting(v types.String, d *diag.Diagnostics) string {
	ns := str(v, "MLOPS_NAMESPACE")
	if ns == "" {
		return "default"
	}
	if msg := validate.DNSLabelProblem(ns); msg != "" {
		d.AddAttributeError(path.Root("namespace"), "Invalid namespace",
			fmt.Sprintf("The default namespace %q (from namespace or MLOPS_NAMESPACE) %s.", ns, msg))
	}
	return ns
}

func (p *mlopsProvider) Resources(_ context.Context) []func() resource.Resource {
	out := append(registry.Resources(), serving.Resources()...)
	return append(out, pipelines.Resources()...)
}

// Actions are Terraform 1.14's actions (internal/actions).
func (p *mlopsProvider) Actions(_ context.Context) []func() action.Action { return actions.Actions() }

func (p *mlopsProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return append(registry.DataSources(), serving.DataSources()...)
}

// str returns the configured value, else the first environment variable set.
func str(v types.String, envs ...string) string {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString()
	}
	for _, e := range envs {
		if s := os.Getenv(e); s != "" {
			return s
		}
	}
	return ""
}

func boolean(v types.Bool, env string) (bool, error) {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueBool(), nil
	}
	s := os.Getenv(env)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%s must be true or false, not %q", env, s)
	}
	return b, nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

var httpURL = regexp.MustCompile(`^https?://[^\s/]+`)
