package serving

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// runtimeSpec is everything the provider manages on a ServingRuntime or
// ClusterServingRuntime.
type runtimeSpec struct {
	Name, Namespace string // Namespace is empty when cluster-wide
	Formats         []runtimeFormat
	Protocols       []string
	Container       containerSpec
	Disabled        *bool
}

type runtimeFormat struct {
	Name, Version string
	AutoSelect    *bool
	Priority      *int64
}

func (s runtimeSpec) gvr() schema.GroupVersionResource {
	if s.Namespace == "" {
		return ClusterServingRuntimeGVR
	}
	return ServingRuntimeGVR
}

func (s runtimeSpec) id() kube.ID { return kube.ID{Namespace: s.Namespace, Name: s.Name} }

// toObject renders the runtime to server-side apply.
func (s runtimeSpec) toObject() *unstructured.Unstructured {
	formats := make([]any, len(s.Formats))
	for i, f := range s.Formats {
		m := map[string]any{"name": f.Name}
		if f.Version != "" {
			m["version"] = f.Version
		}
		if f.AutoSelect != nil {
			m["autoSelect"] = *f.AutoSelect
		}
		setInt(m, "priority", f.Priority)
		formats[i] = m
	}
	spec := map[string]any{"supportedModelFormats": formats, "containers": []any{s.Container.toMap("")}}
	if len(s.Protocols) > 0 {
		spec["protocolVersions"] = tfval.ToAny(s.Protocols)
	}
	if s.Disabled != nil {
		spec["disabled"] = *s.Disabled
	}
	kind := "ServingRuntime"
	metadata := map[string]any{"name": s.Name}
	if s.Namespace == "" {
		kind = "ClusterServingRuntime"
	} else {
		metadata["namespace"] = s.Namespace
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "serving.kserve.io/v1alpha1", "kind": kind, "metadata": metadata, "spec": spec,
	}}
}

// runtimeFromObject reads what the provider manages back.
func runtimeFromObject(obj *unstructured.Unstructured) runtimeSpec {
	s := runtimeSpec{Name: obj.GetName(), Namespace: obj.GetNamespace()}
	spec, _, _ := unstructured.NestedMap(obj.Object, "spec")
	formats, _, _ := unstructured.NestedSlice(spec, "supportedModelFormats")
	for _, item := range formats {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		f := runtimeFormat{Priority: kube.Int64(m, "priority")}
		f.Name, _ = m["name"].(string)
		f.Version, _ = m["version"].(string)
		if b, ok := m["autoSelect"].(bool); ok {
			f.AutoSelect = &b
		}
		s.Formats = append(s.Formats, f)
	}
	s.Protocols, _, _ = unstructured.NestedStringSlice(spec, "protocolVersions")
	if c, _ := readContainer(spec); c != nil {
		s.Container = *c
	}
	if b, ok := spec["disabled"].(bool); ok {
		s.Disabled = &b
	}
	return s
}

// expandRuntime turns the plan into the spec to apply.
func expandRuntime(ctx context.Context, m runtimeModel, d *diag.Diagnostics) runtimeSpec {
	s := runtimeSpec{Name: m.Name.ValueString(), Protocols: tfval.StringListOf(ctx, m.Protocols, d), Disabled: m.Disabled.ValueBoolPointer()}
	if !m.ClusterWide.ValueBool() {
		s.Namespace = m.Namespace.ValueString()
	}
	var formats []runtimeFormatModel
	d.Append(m.Formats.ElementsAs(ctx, &formats, false)...)
	for _, f := range formats {
		s.Formats = append(s.Formats, runtimeFormat{Name: f.Name.ValueString(), Version: f.Version.ValueString(),
			AutoSelect: f.AutoSelect.ValueBoolPointer(), Priority: f.Priority.ValueInt64Pointer()})
	}
	var cm containerModel
	workload.ObjectOf(ctx, m.Container, &cm, d)
	s.Container = containerOf(ctx, cm, d)
	return s
}

// flattenRuntime copies the live runtime into m.
func flattenRuntime(ctx context.Context, s runtimeSpec, m *runtimeModel, d *diag.Diagnostics) {
	m.ID = types.StringValue(s.id().String())
	m.Name = types.StringValue(s.Name)
	m.ClusterWide = types.BoolValue(s.Namespace == "")
	m.Namespace = tfval.OptString(s.Namespace)
	formats := make([]attr.Value, len(s.Formats))
	for i, f := range s.Formats {
		formats[i] = types.ObjectValueMust(runtimeFormatAttrTypes, map[string]attr.Value{
			"name": types.StringValue(f.Name), "version": tfval.OptString(f.Version),
			"auto_select": types.BoolPointerValue(f.AutoSelect), "priority": types.Int64PointerValue(f.Priority),
		})
	}
	m.Formats = types.ListValueMust(types.ObjectType{AttrTypes: runtimeFormatAttrTypes}, formats)
	m.Protocols = tfval.ListOrNull(s.Protocols, m.Protocols)
	var prior containerModel
	workload.ObjectOf(ctx, m.Container, &prior, d)
	m.Container = objectValue(ctx, containerAttrTypes, flattenContainer(ctx, s.Container, prior, true, d), d)
	m.Disabled = types.BoolPointerValue(s.Disabled)
}
