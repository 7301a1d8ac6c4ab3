package workload

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
)

// Toleration is one of a pod's tolerations.
type Toleration struct {
	Key      string
	Operator string // Equal (Kubernetes' default) or Exists
	Value    string
	Effect   string // NoSchedule, PreferNoSchedule, NoExecute, or "" (all)
	Seconds  *int64 // tolerationSeconds, NoExecute only
}

var tolerationAttrTypes = map[string]attr.Type{
	"key": types.StringType, "operator": types.StringType, "value": types.StringType, "effect": types.StringType, "toleration_seconds": types.Int64Type,
}

// TolerationType is the element type of a tolerations list.
var TolerationType = types.ObjectType{AttrTypes: tolerationAttrTypes}

type tolerationModel struct {
	Key      types.String `tfsdk:"key"`
	Operator types.String `tfsdk:"operator"`
	Value    types.String `tfsdk:"value"`
	Effect   types.String `tfsdk:"effect"`
	Seconds  types.Int64  `tfsdk:"toleration_seconds"`
}

// TolerationsAttribute is `tolerations`: taints of nodes that the pods may
// be scheduled on (a GPU pool's, say).
func TolerationsAttribute(what string) schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		Optional: true,
		MarkdownDescription: "Tolerations of " + what + ", as in Kubernetes: taints of the nodes they may run on, such as a GPU pool's " +
			"`{ key = \"nvidia.com/gpu\", operator = \"Exists\", effect = \"NoSchedule\" }`.",
		NestedObject: schema.NestedAttributeObject{
			Attributes: map[string]schema.Attribute{
				"key": schema.StringAttribute{Optional: true, MarkdownDescription: "Taint key; empty with `operator = \"Exists\"` tolerates every taint.",
					Validators: []validator.String{validate.ByProblem("Invalid toleration key", "must be a label key", validate.LabelKeyProblem)}},
				"operator": schema.StringAttribute{Optional: true, MarkdownDescription: "`Equal` (Kubernetes' default: the taint's value must be `value`) or `Exists`.",
					Validators: []validator.String{stringvalidator.OneOf("Equal", "Exists")}},
				"value": schema.StringAttribute{Optional: true, MarkdownDescription: "Taint value, with `operator = \"Equal\"`."},
				"effect": schema.StringAttribute{Optional: true, MarkdownDescription: "`NoSchedule`, `PreferNoSchedule` or `NoExecute`; unset tolerates them all.",
					Validators: []validator.String{stringvalidator.OneOf("NoSchedule", "PreferNoSchedule", "NoExecute")}},
				"toleration_seconds": schema.Int64Attribute{Optional: true, MarkdownDescription: "How long a `NoExecute` taint is tolerated before eviction, in seconds.",
					Validators: []validator.Int64{int64validator.AtLeast(0)}},
			},
			Validators: []validator.Object{tolerationRules{}},
		},
	}
}

// tolerationRules are Kubernetes' rules across a toleration's attributes.
type tolerationRules struct{}

func (tolerationRules) Description(context.Context) string {
	return "Exists takes no value; an empty key needs Exists; toleration_seconds needs NoExecute"
}
func (v tolerationRules) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (tolerationRules) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var t tolerationModel
	if d := req.ConfigValue.As(ctx, &t, basetypesOpts); d.HasError() {
		return
	}
	if t.Operator.IsUnknown() || t.Key.IsUnknown() || t.Value.IsUnknown() || t.Effect.IsUnknown() {
		return
	}
	exists := t.Operator.ValueString() == "Exists"
	switch {
	case exists && t.Value.ValueString() != "":
		resp.Diagnostics.AddAttributeError(req.Path.AtName("value"), "Invalid toleration",
			"operator = \"Exists\" matches a taint by its key alone: remove value, or use operator = \"Equal\".")
	case !exists && t.Key.ValueString() == "":
		resp.Diagnostics.AddAttributeError(req.Path.AtName("key"), "Invalid toleration",
			"A toleration without a key must have operator = \"Exists\" (it then tolerates every taint); otherwise give the taint's key.")
	case !t.Seconds.IsNull() && t.Effect.ValueString() != "NoExecute":
		resp.Diagnostics.AddAttributeError(req.Path.AtName("toleration_seconds"), "Invalid toleration",
			"toleration_seconds applies to NoExecute taints only: set effect = \"NoExecute\", or remove toleration_seconds.")
	}
}

// TolerationsOf reads a tolerations list; nil when null or unknown.
func TolerationsOf(ctx context.Context, l types.List, d *diag.Diagnostics) []Toleration {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var models []tolerationModel
	d.Append(l.ElementsAs(ctx, &models, false)...)
	out := make([]Toleration, len(models))
	for i, m := range models {
		out[i] = Toleration{Key: m.Key.ValueString(), Operator: m.Operator.ValueString(), Value: m.Value.ValueString(),
			Effect: m.Effect.ValueString(), Seconds: m.Seconds.ValueInt64Pointer()}
	}
	return out
}

// TolerationsValue is live as a tolerations value: null when live is empty
// and nothing was configured.
func TolerationsValue(live []Toleration, prior types.List) types.List {
	if len(live) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.ListNull(TolerationType)
	}
	elems := make([]attr.Value, len(live))
	for i, t := range live {
		elems[i] = types.ObjectValueMust(tolerationAttrTypes, map[string]attr.Value{
			"key": tfval.OptString(t.Key), "operator": tfval.OptString(t.Operator), "value": tfval.OptString(t.Value), "effect": tfval.OptString(t.Effect),
			"toleration_seconds": types.Int64PointerValue(t.Seconds),
		})
	}
	return types.ListValueMust(TolerationType, elems)
}

// TolerationsList renders tolerations for a pod spec.
func TolerationsList(ts []Toleration) []any {
	out := make([]any, len(ts))
	for i, t := range ts {
		m := map[string]any{}
		for k, v := range map[string]string{"key": t.Key, "operator": t.Operator, "value": t.Value, "effect": t.Effect} {
			if v != "" {
				m[k] = v
			}
		}
		if t.Seconds != nil {
			m["tolerationSeconds"] = *t.Seconds
		}
		out[i] = m
	}
	return out
}

// ReadTolerations reads a pod spec's tolerations.
func ReadTolerations(list []any) []Toleration {
	out := make([]Toleration, 0, len(list))
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		t := Toleration{Seconds: kube.Int64(m, "tolerationSeconds")}
		t.Key, _ = m["key"].(string)
		t.Operator, _ = m["operator"].(string)
		t.Value, _ = m["value"].(string)
		t.Effect, _ = m["effect"].(string)
		out = append(out, t)
	}
	return out
}
