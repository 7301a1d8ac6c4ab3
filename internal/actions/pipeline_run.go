package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sschema "k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/conns"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/diags"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/pipelines"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/retry"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
)

var (
	_ action.Action                   = &pipelineRunAction{}
	_ action.ActionWithConfigure      = &pipelineRunAction{}
	_ action.ActionWithModifyPlan     = &pipelineRunAction{}
	_ action.ActionWithValidateConfig = &pipelineRunAction{}
)

// WorkflowGVR is Argo's Workflow: one run of a pipeline.
var WorkflowGVR = k8sschema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "workflows"}

const (
	// DefaultRunTimeout bounds a run when timeout is not set.
	DefaultRunTimeout = time.Hour
	// AnnotationSubmittedBy marks the runs that the action submits.
	AnnotationSubmittedBy = "mlops.terraform.io/submitted-by"
	submittedBy           = "terraform action mlops_pipeline_run"
)

// NewPipelineRunAction returns the mlops_pipeline_run action.
func NewPipelineRunAction() action.Action { return &pipelineRunAction{} }

type pipelineRunAction struct{ data *conns.ProviderData }

type pipelineRunModel struct {
	Pipeline   types.String `tfsdk:"pipeline"`
	Parameters types.Map    `tfsdk:"parameters"`
	Wait       types.Bool   `tfsdk:"wait"`
	Timeout    types.String `tfsdk:"timeout"`
}

func (a *pipelineRunAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pipeline_run"
}

func (a *pipelineRunAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs a pipeline now: submits a run of an `mlops_pipeline`'s WorkflowTemplate (an Argo Workflow with " +
			"`workflowTemplateRef`, in the pipeline's namespace) with the given parameters and, unless `wait` is false, watches it " +
			"until it finishes. Terraform shows the run's phase and how many steps are done as it goes; a run that fails fails " +
			"the action with the failing step's name and message. Needs Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"pipeline": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The pipeline: `<namespace>/<name>`, such as `ml-pipelines/churn-retrain` (the `id` of an " +
					"`mlops_pipeline`), or its name alone for a pipeline in the provider's `namespace`.",
				Validators: []validator.String{pipelineRef()},
			},
			"parameters": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Values of the pipeline's parameters for this run (the Workflow's `arguments.parameters`); " +
					"parameters not given keep the pipeline's defaults. Names consist of letters, digits, `_` and `-` (Argo's rule, checked at plan).",
				Validators: []validator.Map{pipelines.ParamNames("Invalid parameter name")},
			},
			"wait": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Wait until the run finishes, and fail when it fails. Default `true`. When `false`, the action " +
					"ends once the run is submitted.",
			},
			"timeout": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How long to wait for the run, as a Go duration (`30m`, `2h`). Default `1h`. A run still going " +
					"when the time is up fails the action and goes on in the cluster.",
				Validators: []validator.String{validate.Duration()},
			},
		},
	}
}

func (a *pipelineRunAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = conns.FromConfigure(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig warns about a timeout that has nothing to bound: the
// attributes' own rules are the schema's validators.
func (a *pipelineRunAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var cfg pipelineRunModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !cfg.Wait.IsNull() && !cfg.Wait.IsUnknown() && !cfg.Wait.ValueBool() && !cfg.Timeout.IsNull() {
		resp.Diagnostics.AddAttributeWarning(path.Root("timeout"), "Timeout without a wait",
			"With wait = false the action ends once the run is submitted, so timeout bounds only the submission, not the run. "+
				"Remove timeout, or set wait = true to wait for the run.")
	}
}

// ModifyPlan makes missing Kubernetes settings an error at plan time. The
// pipeline may be created in the same apply, so it is not looked up here.
func (a *pipelineRunAction) ModifyPlan(_ context.Context, _ action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.data != nil {
		conns.Kube(a.data, &resp.Diagnostics)
	}
}

func (a *pipelineRunAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg pipelineRunModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	c := conns.Kube(a.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := splitPipeline(cfg.Pipeline.ValueString(), a.data.Namespace)
	params := tfval.StringMapOf(ctx, cfg.Parameters, &resp.Diagnostics)
	timeout := DefaultRunTimeout
	if !cfg.Timeout.IsNull() {
		timeout, _ = time.ParseDuration(cfg.Timeout.ValueString()) // validated at plan
	}
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	tmpl, err := c.Get(ctx, pipelines.WorkflowTemplateGVR, id.Namespace, id.Name)
	if err != nil {
		if kube.IsObjectNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("pipeline"), "Error running pipeline",
				fmt.Sprintf("The pipeline %s does not exist: there is no WorkflowTemplate %q in namespace %q. "+
					"Check `pipeline`, or create the pipeline (mlops_pipeline) before the action runs.", id, id.Name, id.Namespace))
			return
		}
		diags.AddKubeError(&resp.Diagnostics, "running", runObject, id, fmt.Errorf("reading the pipeline's WorkflowTemplate: %w", err))
		return
	}
	spec, _, _ := unstructured.NestedMap(tmpl.Object, "spec")
	steps := stepNames(spec)

	run, err := submit(ctx, c, id, params)
	if err != nil {
		diags.AddKubeError(&resp.Diagnostics, "running", runObject, id, fmt.Errorf("submitting a run: %w", err))
		return
	}
	runID := kube.IDOf(run)
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Submitted run %s of pipeline %s", runID, id)})
	if !cfg.Wait.IsNull() && !cfg.Wait.ValueBool() {
		return
	}

	final, last, gone, err := watchRun(ctx, c, runID, steps, resp)
	switch {
	case err != nil && errors.Is(err, ctx.Err()):
		resp.Diagnostics.AddError("Error running pipeline", unfinishedDetail(err, timeout, runID, id, last))
		return
	case err != nil:
		diags.AddKubeError(&resp.Diagnostics, "running", runObject, id, fmt.Errorf("watching the run %s: %w", runID, err))
		return
	case gone:
		resp.Diagnostics.AddError("Error running pipeline",
			fmt.Sprintf("The run %s of pipeline %s was deleted before it finished (last seen: %s).", runID, id, last))
		return
	}
	if phase, _, _ := unstructured.NestedString(final.Object, "status", "phase"); phase != phaseSucceeded {
		resp.Diagnostics.AddError("Pipeline run failed", failedDetail(final, phase, runID, id))
	}
}

// watchRun follows the run until it finishes, reporting each change of its
// progress; it returns the run as last seen and the last progress message.
func watchRun(ctx context.Context, c *kube.Client, run kube.ID, steps []string, resp *action.InvokeResponse) (*unstructured.Unstructured, string, bool, error) {
	last := ""
	final, gone, err := c.WaitFor(ctx, WorkflowGVR, run.Namespace, run.Name, func(wf *unstructured.Unstructured) (bool, error) {
		if msg := progress(wf, steps); msg != last {
			last = msg
			resp.SendProgress(action.InvokeProgressEvent{Message: msg})
		}
		phase, _, _ := unstructured.NestedString(wf.Object, "status", "phase")
		return finished(phase), nil
	})
	return final, last, gone, err
}

// unfinishedDetail says that a run did not finish in time (or the action
// was cancelled), and how to follow or stop it.
func unfinishedDetail(err error, timeout time.Duration, runID, id kube.ID, last string) string {
	state := last
	if state == "" {
		state = "not read yet"
	}
	why, advice := fmt.Sprintf("did not finish within %s", timeout), " Raise `timeout` if runs take longer."
	if errors.Is(err, context.Canceled) {
		why, advice = "had not finished when Terraform cancelled the action", ""
	}
	return fmt.Sprintf("The run %s of pipeline %s %s (last seen: %s). It goes on in the cluster: "+
		"follow it with `kubectl get workflow -n %s %s`, or stop it with `argo stop -n %s %s`.%s\n\n%v",
		runID, id, why, state, runID.Namespace, runID.Name, runID.Namespace, runID.Name, advice, err)
}

// failedDetail says how a run ended that did not succeed: its failed steps
// with their messages, Argo's message, and where to look.
func failedDetail(final *unstructured.Unstructured, phase string, runID, id kube.ID) string {
	failed, runMsg := failure(final)
	var b strings.Builder
	switch len(failed) {
	case 0:
		fmt.Fprintf(&b, "The run %s of pipeline %s ended %s.", runID, id, phase)
	case 1:
		fmt.Fprintf(&b, "The run %s of pipeline %s ended %s: step %q failed: %s", runID, id, phase, failed[0].Step, failed[0].Message)
	default:
		fmt.Fprintf(&b, "The run %s of pipeline %s ended %s: %d steps failed:", runID, id, phase, len(failed))
		for _, f := range failed {
			fmt.Fprintf(&b, "\n  - step %q: %s", f.Step, f.Message)
		}
	}
	if runMsg != "" && (len(failed) == 0 || !strings.Contains(b.String(), runMsg)) {
		fmt.Fprintf(&b, "\n\nArgo said: %s", runMsg)
	}
	fmt.Fprintf(&b, "\n\nThe run's steps and logs: `kubectl get workflow -n %s %s -o yaml`, `argo logs -n %s %s`.", runID.Namespace, runID.Name, runID.Namespace, runID.Name)
	return b.String()
}

// runObject names a run in errors.
var runObject = diags.KubeObject{Kind: "pipeline", APIKind: "Workflow of the pipeline",
	Resources: "workflows and workflowtemplates (argoproj.io)", Installed: "Argo Workflows"}

// submit creates the run, as `argo submit --from workflowtemplate/<name>`
// does. A create is not idempotent (each makes a run), so it is retried only
// when the API server cannot have acted on it: a refused connection or 429.
func submit(ctx context.Context, c *kube.Client, pipeline kube.ID, params map[string]string) (*unstructured.Unstructured, error) {
	spec := map[string]any{"workflowTemplateRef": map[string]any{"name": pipeline.Name}}
	if len(params) > 0 {
		spec["arguments"] = map[string]any{"parameters": pipelines.Parameters(params)}
	}
	run := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
		"metadata": map[string]any{
			"generateName": pipeline.Name + "-", "namespace": pipeline.Namespace,
			"annotations": map[string]any{AnnotationSubmittedBy: submittedBy},
		},
		"spec": spec,
	}}
	// A create is retried only when it surely did not happen: the connection
	// was refused, or the server asked to slow down. Within a minute, as the
	// kube client's own retries.
	again := func(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) || apierrors.IsTooManyRequests(err) }
	return retry.Do(ctx, submitRetries, again, func() (*unstructured.Unstructured, error) {
		return c.Create(ctx, WorkflowGVR, run)
	})
}

var submitRetries = retry.Policy{First: 200 * time.Millisecond, Max: 5 * time.Second, For: time.Minute}

// splitPipeline reads `<namespace>/<name>`, or a name alone in the default
// namespace.
func splitPipeline(ref, defaultNamespace string) kube.ID {
	if ns, name, ok := strings.Cut(ref, "/"); ok {
		return kube.ID{Namespace: ns, Name: name}
	}
	return kube.ID{Namespace: defaultNamespace, Name: ref}
}

// pipelineRefProblem returns why ref cannot name a pipeline, or "".
func pipelineRefProblem(ref string) string {
	ns, name, namespaced := strings.Cut(ref, "/")
	if !namespaced {
		name = ref
	}
	if namespaced {
		if p := validate.DNSLabelProblem(ns); p != "" {
			return fmt.Sprintf("%q is not `<namespace>/<name>` or a pipeline's name: its namespace %s", ref, p)
		}
	}
	if p := validate.DNSLabelProblem(name); p != "" {
		return fmt.Sprintf("%q is not `<namespace>/<name>` or a pipeline's name, such as `ml-pipelines/churn-retrain`: the name %s", ref, p)
	}
	return ""
}

func pipelineRef() validator.String {
	return validate.ByProblem("Invalid pipeline", "must be `<namespace>/<name>` or a pipeline's name", pipelineRefProblem)
}
