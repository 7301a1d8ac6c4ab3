package serving

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/conns"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
)

// KServe's runtimes: which server runs a model of a format.
var (
	ServingRuntimeGVR        = schema.GroupVersionResource{Group: "serving.kserve.io", Version: "v1alpha1", Resource: "servingruntimes"}
	ClusterServingRuntimeGVR = schema.GroupVersionResource{Group: "serving.kserve.io", Version: "v1alpha1", Resource: "clusterservingruntimes"}
)

// autoFormat is a format that a runtime declares with autoSelect: what
// KServe may pick that runtime for.
type autoFormat struct {
	Runtime, Name, Version string
	Protocols              []string
}

// supports tells whether KServe would pick this runtime for a model of
// format (and version) and protocol, as KServe's GetSupportingRuntimes does
// (pkg/apis/serving/v1beta1/predictor_model.go, v0.20.0).
func (f autoFormat) supports(format, version, protocol string) bool {
	if f.Name != format || (version != "" && f.Version != version) {
		return false
	}
	if len(f.Protocols) == 0 || protocol == "" {
		return true
	}
	for _, p := range f.Protocols {
		if p == protocol {
			return true
		}
	}
	return false
}

// autoFormatsOf lists what the enabled, single-model runtimes among objs
// declare with autoSelect.
func autoFormatsOf(objs map[string]*unstructured.Unstructured) []autoFormat {
	var out []autoFormat
	for name, obj := range objs {
		spec, _, _ := unstructured.NestedMap(obj.Object, "spec")
		if disabled, _ := spec["disabled"].(bool); disabled {
			continue
		}
		if multi, _ := spec["multiModel"].(bool); multi {
			continue
		}
		if _, multinode := spec["workerSpec"]; multinode {
			continue
		}
		protocols, _, _ := unstructured.NestedStringSlice(spec, "protocolVersions")
		formats, _, _ := unstructured.NestedSlice(spec, "supportedModelFormats")
		for _, item := range formats {
			m, ok := item.(map[string]any)
			if auto, _ := m["autoSelect"].(bool); !ok || !auto {
				continue
			}
			f := autoFormat{Runtime: name, Protocols: protocols}
			f.Name, _ = m["name"].(string)
			f.Version, _ = m["version"].(string)
			out = append(out, f)
		}
	}
	return out
}

// runtimeFormats lists the auto-selected formats in reach of namespace:
// its ServingRuntimes and the ClusterServingRuntimes, read once per plan.
func runtimeFormats(ctx context.Context, data *conns.ProviderData, c *kube.Client, namespace string) ([]autoFormat, error) {
	v, err := data.Memo("serving-runtime-formats/"+namespace, func() (any, error) {
		snap, err := c.Read(ctx, []kube.Query{{GVR: ServingRuntimeGVR, Namespace: namespace}, {GVR: ClusterServingRuntimeGVR}})
		if err != nil {
			return nil, err
		}
		return append(autoFormatsOf(snap[0]), autoFormatsOf(snap[1])...), nil
	})
	if err != nil {
		return nil, err
	}
	formats, _ := v.([]autoFormat)
	return formats, nil
}

// checkFormat refuses, on model.format, a format that no runtime in reach
// would be picked for, naming those that would.
func checkFormat(ctx context.Context, data *conns.ProviderData, c *kube.Client, namespace, format, version, protocol string, d *diag.Diagnostics) {
	formats, err := runtimeFormats(ctx, data, c, namespace)
	if err != nil {
		d.AddAttributeWarning(path.Root("model").AtName("format"), "Model format not checked",
			fmt.Sprintf("The provider could not list KServe's ServingRuntimes and ClusterServingRuntimes to check model.format %q: %v. "+
				"KServe checks it when the endpoint is applied.", format, err))
		return
	}
	var names []string
	seen := map[string]bool{}
	for _, f := range formats {
		if f.supports(format, version, protocol) {
			return
		}
		if label := f.Name + " (" + f.Runtime + ")"; !seen[label] {
			seen[label] = true
			names = append(names, label)
		}
	}
	sort.Strings(names)
	available := "none"
	if len(names) > 0 {
		available = strings.Join(names, ", ")
	}
	what := fmt.Sprintf("%q", format)
	if version != "" {
		what += fmt.Sprintf(" version %q", version)
	}
	d.AddAttributeError(path.Root("model").AtName("format"), "No serving runtime for the model format",
		fmt.Sprintf("No ServingRuntime in the namespace %s and no ClusterServingRuntime declares the format %s with auto-select for protocol %s, so KServe could not serve it. "+
			"Formats available: %s.\n\nUse one of these, add a runtime for the format (mlops_serving_runtime), name a runtime with model.runtime "+
			"(such as mlops_serving_runtime.<name>.name when it is created in the same configuration), or run your own server with container.",
			namespace, what, protocol, available))
}
