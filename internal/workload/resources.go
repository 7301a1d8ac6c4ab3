package workload

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
)

// GPUResource is the extended resource that GPUs are asked for by.
const GPUResource = "nvidia.com/gpu"

// Resources are a container's requests and limits. CPU, Memory and GPU are
// requests, and limits too unless LimitCPU or LimitMemory (above them) are
// given. A GPU's request and limit are always equal, as Kubernetes wants of
// extended resources.
type Resources struct {
	CPU, Memory           string
	GPU                   *int64
	LimitCPU, LimitMemory string
}

var limitsAttrTypes = map[string]attr.Type{"cpu": types.StringType, "memory": types.StringType}

// ResourcesAttrTypes is the object type of a resources attribute.
var ResourcesAttrTypes = map[string]attr.Type{
	"cpu": types.StringType, "memory": types.StringType, "gpu": types.Int64Type,
	"limits": types.ObjectType{AttrTypes: limitsAttrTypes},
}

type resourcesModel struct {
	CPU    types.String `tfsdk:"cpu"`
	Memory types.String `tfsdk:"memory"`
	GPU    types.Int64  `tfsdk:"gpu"`
	Limits types.Object `tfsdk:"limits"`
}

type limitsModel struct {
	CPU    types.String `tfsdk:"cpu"`
	Memory types.String `tfsdk:"memory"`
}

// ResourcesAttribute is `resources`: requests, and limits above them.
func ResourcesAttribute(what string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "Requests of " + what + ", which are its limits too unless `limits` sets higher ones. " +
			"A limit below its request is refused at plan.",
		Validators: []validator.Object{limitsNotBelowRequests{}},
		Attributes: map[string]schema.Attribute{
			"cpu":    schema.StringAttribute{Optional: true, MarkdownDescription: "CPU, such as `\"1\"` or `\"500m\"`.", Validators: []validator.String{validate.Quantity()}},
			"memory": schema.StringAttribute{Optional: true, MarkdownDescription: "Memory, such as `\"2Gi\"`.", Validators: []validator.String{validate.Quantity()}},
			"gpu": schema.Int64Attribute{
				Optional: true, MarkdownDescription: fmt.Sprintf("Number of GPUs (`%s`), 0 to %d; request and limit alike.", GPUResource, validate.MaxGPUs),
				Validators: []validator.Int64{validate.GPUCount()},
			},
			"limits": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: "Limits above the requests, such as `{ cpu = \"4\", memory = \"8Gi\" }`: the container may burst to them.",
				Attributes: map[string]schema.Attribute{
					"cpu":    schema.StringAttribute{Optional: true, MarkdownDescription: "CPU limit.", Validators: []validator.String{validate.Quantity()}},
					"memory": schema.StringAttribute{Optional: true, MarkdownDescription: "Memory limit.", Validators: []validator.String{validate.Quantity()}},
				},
			},
		},
	}
}

// limitsNotBelowRequests refuses a limit below its request, which the API
// server would refuse at apply.
type limitsNotBelowRequests struct{}

func (limitsNotBelowRequests) Description(context.Context) string {
	return "limits must not be below the requests"
}
func (v limitsNotBelowRequests) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}
func (limitsNotBelowRequests) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	var rm resourcesModel
	var lm limitsModel
	if d := req.ConfigValue.As(ctx, &rm, basetypesOpts); d.HasError() || req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if d := rm.Limits.As(ctx, &lm, basetypesOpts); d.HasError() || rm.Limits.IsNull() || rm.Limits.IsUnknown() {
		return
	}
	for _, c := range []struct {
		name           string
		request, limit types.String
	}{{"cpu", rm.CPU, lm.CPU}, {"memory", rm.Memory, lm.Memory}} {
		if c.request.IsNull() || c.request.IsUnknown() || c.limit.IsNull() || c.limit.IsUnknown() {
			continue
		}
		r, err1 := resource.ParseQuantity(c.request.ValueString())
		l, err2 := resource.ParseQuantity(c.limit.ValueString())
		if err1 == nil && err2 == nil && l.Cmp(r) < 0 {
			resp.Diagnostics.AddAttributeError(req.Path.AtName("limits").AtName(c.name), "Limit below request",
				fmt.Sprintf("The %s limit %s is below the request %s: Kubernetes refuses a container whose limit is below its request. "+
					"Raise limits.%s, lower %s, or remove limits.%s to use the request as the limit.",
					c.name, c.limit.ValueString(), c.request.ValueString(), c.name, c.name, c.name))
		}
	}
}

// ResourcesOf reads a resources attribute; nil when null or unknown.
func ResourcesOf(ctx context.Context, o types.Object, d *diag.Diagnostics) *Resources {
	var rm resourcesModel
	if !ObjectOf(ctx, o, &rm, d) {
		return nil
	}
	r := &Resources{CPU: rm.CPU.ValueString(), Memory: rm.Memory.ValueString(), GPU: rm.GPU.ValueInt64Pointer()}
	var lm limitsModel
	if ObjectOf(ctx, rm.Limits, &lm, d) {
		r.LimitCPU, r.LimitMemory = lm.CPU.ValueString(), lm.Memory.ValueString()
	}
	return r
}

// ResourcesValue is live as a resources value, given what the state had:
// a configured GPU count of 0 (never applied) is kept, and limits are
// reported where they were configured or differ from the requests.
func ResourcesValue(ctx context.Context, live *Resources, prior types.Object, d *diag.Diagnostics) types.Object {
	if live == nil {
		return types.ObjectNull(ResourcesAttrTypes)
	}
	var pr resourcesModel
	var pl limitsModel
	hadPrior := ObjectOf(ctx, prior, &pr, d)
	hadLimits := hadPrior && ObjectOf(ctx, pr.Limits, &pl, d)
	gpu := types.Int64PointerValue(live.GPU)
	if live.GPU == nil && hadPrior && !pr.GPU.IsNull() && pr.GPU.ValueInt64() == 0 {
		gpu = pr.GPU
	}
	limits := types.ObjectNull(limitsAttrTypes)
	limCPU, limMem := tfval.OptString(live.LimitCPU), tfval.OptString(live.LimitMemory)
	if hadLimits && !pl.CPU.IsNull() && live.LimitCPU == "" {
		limCPU = tfval.OptString(live.CPU) // configured equal to the request
	}
	if hadLimits && !pl.Memory.IsNull() && live.LimitMemory == "" {
		limMem = tfval.OptString(live.Memory)
	}
	if hadLimits || !limCPU.IsNull() || !limMem.IsNull() {
		limits = types.ObjectValueMust(limitsAttrTypes, map[string]attr.Value{"cpu": limCPU, "memory": limMem})
	}
	return types.ObjectValueMust(ResourcesAttrTypes, map[string]attr.Value{
		"cpu": tfval.OptString(live.CPU), "memory": tfval.OptString(live.Memory), "gpu": gpu, "limits": limits,
	})
}

// Map renders the resources as a container's `resources`; nil when nothing
// is set.
func (r *Resources) Map() map[string]any {
	if r == nil {
		return nil
	}
	requests := map[string]any{}
	if r.CPU != "" {
		requests["cpu"] = r.CPU
	}
	if r.Memory != "" {
		requests["memory"] = r.Memory
	}
	if r.GPU != nil && *r.GPU > 0 {
		requests[GPUResource] = fmt.Sprint(*r.GPU)
	}
	limits := map[string]any{}
	for k, v := range requests {
		limits[k] = v
	}
	if r.LimitCPU != "" {
		limits["cpu"] = r.LimitCPU
	}
	if r.LimitMemory != "" {
		limits["memory"] = r.LimitMemory
	}
	if len(limits) == 0 {
		return nil
	}
	out := map[string]any{"limits": limits}
	if len(requests) > 0 {
		out["requests"] = requests
	}
	return out
}

// ReadResources reads a container's `resources`; nil when it has none.
func ReadResources(container map[string]any) *Resources {
	req, hasReq, _ := unstructured.NestedMap(container, "resources", "requests")
	lim, hasLim, _ := unstructured.NestedMap(container, "resources", "limits")
	if !hasReq && !hasLim {
		return nil
	}
	r := &Resources{CPU: kube.Quantity(req["cpu"]), Memory: kube.Quantity(req["memory"])}
	if g := kube.Quantity(req[GPUResource]); g != "" {
		var n int64
		if _, err := fmt.Sscan(g, &n); err == nil {
			r.GPU = &n
		}
	}
	if c := kube.Quantity(lim["cpu"]); c != r.CPU {
		r.LimitCPU = c
	}
	if m := kube.Quantity(lim["memory"]); m != r.Memory {
		r.LimitMemory = m
	}
	return r
}
