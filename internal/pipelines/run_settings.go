package pipelines

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// This file holds the settings of a whole run: the exit handler, the
// deadline, parallelism, time to live, and the artifact repository.

// runSettings are the WorkflowSpec fields beside the steps.
type runSettings struct {
	OnExit                  *Step
	ActiveDeadlineSeconds   *int64
	Parallelism             *int64
	TTLSecondsAfterFinished *int64
	Repository              *ArtifactRepository
}

type repositoryModel struct {
	S3 types.Object `tfsdk:"s3"`
}

type s3Model struct {
	Bucket            types.String `tfsdk:"bucket"`
	Endpoint          types.String `tfsdk:"endpoint"`
	KeyPrefix         types.String `tfsdk:"key_prefix"`
	Region            types.String `tfsdk:"region"`
	CredentialsSecret types.String `tfsdk:"credentials_secret"`
	Insecure          types.Bool   `tfsdk:"insecure"`
}

var (
	s3AttrTypes = map[string]attr.Type{
		"bucket": types.StringType, "endpoint": types.StringType, "key_prefix": types.StringType, "region": types.StringType,
		"credentials_secret": types.StringType, "insecure": types.BoolType,
	}
	repositoryAttrTypes = map[string]attr.Type{"s3": types.ObjectType{AttrTypes: s3AttrTypes}}
)

func runSettingsAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"on_exit": exitAttribute(),
		"active_deadline": schema.StringAttribute{
			Optional: true, Validators: []validator.String{validate.Duration(), validate.ByProblem("Deadline too short", "must be at least 1s", stepTimeoutProblem)},
			MarkdownDescription: "Time limit of a whole run (`activeDeadlineSeconds`), such as `\"6h\"`: Argo stops the run's steps and fails it after this long.",
		},
		"parallelism": schema.Int64Attribute{
			Optional: true, Validators: []validator.Int64{int64validator.Between(1, validate.MaxInt32)},
			MarkdownDescription: "At most this many pods of a run at once (`parallelism`): a cap on a `with_items` fan-out, say.",
		},
		"ttl_after_finished": schema.StringAttribute{
			Optional: true, Validators: []validator.String{validate.Duration()},
			MarkdownDescription: "Argo deletes a finished run this long after it ended (`ttlStrategy.secondsAfterCompletion`), such as `\"24h\"`.",
		},
		"artifact_repository": schema.SingleNestedAttribute{
			Optional: true,
			MarkdownDescription: "Where the steps' output artifacts are stored. Rendered as every step's archive location, so the cluster needs no " +
				"default artifact repository for the pipeline.",
			Attributes: map[string]schema.Attribute{
				"s3": schema.SingleNestedAttribute{
					Required: true, MarkdownDescription: "An S3-compatible bucket (AWS S3, MinIO, GCS's S3 interface, ...).",
					Attributes: map[string]schema.Attribute{
						"bucket":     schema.StringAttribute{Required: true, MarkdownDescription: "Bucket name.", Validators: []validator.String{validate.NotBlank()}},
						"endpoint":   schema.StringAttribute{Required: true, MarkdownDescription: "Endpoint, host and port without a scheme, such as `\"s3.amazonaws.com\"` or `\"minio.minio:9000\"`.", Validators: []validator.String{validate.NotBlank()}},
						"key_prefix": schema.StringAttribute{Optional: true, MarkdownDescription: "Prefix of the keys; each pod's artifacts go under `<key_prefix>/<run>/<pod>/`."},
						"region":     schema.StringAttribute{Optional: true, MarkdownDescription: "Region of the bucket."},
						"credentials_secret": schema.StringAttribute{Optional: true, Validators: []validator.String{validate.KubeName()},
							MarkdownDescription: "Secret in the pipeline's namespace with the keys `accesskey` and `secretkey`. Without it, Argo uses the " +
								"cloud SDK's own credentials (IAM roles for service accounts, say)."},
						"insecure": schema.BoolAttribute{Optional: true, MarkdownDescription: "Plain HTTP to the endpoint (a MinIO inside the cluster, say)."},
					},
				},
			},
		},
	}
}

// expandRunSettings reads the run settings from the configuration.
func expandRunSettings(ctx context.Context, m pipelineModel, d *diag.Diagnostics) runSettings {
	r := runSettings{OnExit: expandExit(ctx, m.OnExit, d), Parallelism: m.Parallelism.ValueInt64Pointer()}
	if !m.ActiveDeadline.IsNull() {
		secs := seconds(m.ActiveDeadline.ValueString())
		r.ActiveDeadlineSeconds = &secs
	}
	if !m.TTLAfterFinished.IsNull() {
		secs := seconds(m.TTLAfterFinished.ValueString())
		r.TTLSecondsAfterFinished = &secs
	}
	var rm repositoryModel
	var sm s3Model
	if workload.ObjectOf(ctx, m.ArtifactRepository, &rm, d) && workload.ObjectOf(ctx, rm.S3, &sm, d) {
		r.Repository = &ArtifactRepository{Bucket: sm.Bucket.ValueString(), Endpoint: sm.Endpoint.ValueString(), KeyPrefix: sm.KeyPrefix.ValueString(),
			Region: sm.Region.ValueString(), CredentialsSecret: sm.CredentialsSecret.ValueString(), Insecure: sm.Insecure.ValueBool()}
	}
	return r
}

// render adds the settings to a WorkflowSpec.
func (r runSettings) render(spec map[string]any) {
	if r.OnExit != nil {
		spec["onExit"] = exitTemplate
		templates, _ := spec["templates"].([]any)
		spec["templates"] = append(templates, ExitTemplate(*r.OnExit))
	}
	if r.ActiveDeadlineSeconds != nil {
		spec["activeDeadlineSeconds"] = *r.ActiveDeadlineSeconds
	}
	if r.Parallelism != nil {
		spec["parallelism"] = *r.Parallelism
	}
	if r.TTLSecondsAfterFinished != nil {
		spec["ttlStrategy"] = map[string]any{"secondsAfterCompletion": *r.TTLSecondsAfterFinished}
	}
}

// flattenRunSettings reads the settings back from a WorkflowTemplate's spec.
func flattenRunSettings(ctx context.Context, spec map[string]any, m *pipelineModel, d *diag.Diagnostics) {
	m.OnExit = exitValue(ctx, readExit(spec), m.OnExit, d)
	m.Parallelism = types.Int64PointerValue(kube.Int64(spec, "parallelism"))
	m.ActiveDeadline = optDuration(kube.Int64(spec, "activeDeadlineSeconds"), m.ActiveDeadline)
	ttl, _ := spec["ttlStrategy"].(map[string]any)
	m.TTLAfterFinished = optDuration(kube.Int64(ttl, "secondsAfterCompletion"), m.TTLAfterFinished)
	m.ArtifactRepository = repositoryValue(ctx, readArtifactRepository(spec), m.ArtifactRepository, d)
}

func optDuration(secs *int64, prior types.String) types.String {
	if secs == nil {
		return types.StringNull()
	}
	return durationValue(*secs, prior)
}

func repositoryValue(ctx context.Context, r *ArtifactRepository, prior types.Object, d *diag.Diagnostics) types.Object {
	if r == nil {
		return types.ObjectNull(repositoryAttrTypes)
	}
	var rm repositoryModel
	var pm s3Model
	if workload.ObjectOf(ctx, prior, &rm, d) {
		workload.ObjectOf(ctx, rm.S3, &pm, d)
	}
	insecure := types.BoolNull()
	if r.Insecure || (!pm.Insecure.IsNull() && !pm.Insecure.IsUnknown()) {
		insecure = types.BoolValue(r.Insecure)
	}
	prefix := tfval.OptString(r.KeyPrefix)
	if !pm.KeyPrefix.IsNull() && !pm.KeyPrefix.IsUnknown() && strings.Trim(pm.KeyPrefix.ValueString(), "/") == r.KeyPrefix {
		prefix = pm.KeyPrefix // as configured: "churn/" or "" for "churn" or none
	}
	s3 := types.ObjectValueMust(s3AttrTypes, map[string]attr.Value{
		"bucket": types.StringValue(r.Bucket), "endpoint": types.StringValue(r.Endpoint), "key_prefix": prefix,
		"region": tfval.OptString(r.Region), "credentials_secret": tfval.OptString(r.CredentialsSecret), "insecure": insecure,
	})
	return types.ObjectValueMust(repositoryAttrTypes, map[string]attr.Value{"s3": s3})
}
