package standin

import (
	"context"
	"fmt"
	"os"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// InstallCRDs applies each CRD file and waits until the API server serves it.
func InstallCRDs(ctx context.Context, dyn dynamic.Interface, files []string) error {
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		for _, doc := range strings.Split(string(raw), "\n---") {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			if err := applyCRD(ctx, dyn, f, []byte(doc)); err != nil {
				return err
			}
		}
	}
	return nil
}

func applyCRD(ctx context.Context, dyn dynamic.Interface, f string, raw []byte) error {
	force := true
	data, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", f, err)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(data); err != nil {
		return fmt.Errorf("%s: %w", f, err)
	}
	if _, err := dyn.Resource(crdGVR).Patch(ctx, obj.GetName(), types.ApplyPatchType, data,
		metav1.PatchOptions{FieldManager: "mlops-standin", Force: &force}); err != nil {
		return fmt.Errorf("applying %s: %w", f, err)
	}
	if err := waitEstablished(ctx, dyn, obj.GetName()); err != nil {
		return fmt.Errorf("%s: %w", obj.GetName(), err)
	}
	return nil
}

func waitEstablished(ctx context.Context, dyn dynamic.Interface, name string) error {
	w, err := dyn.Resource(crdGVR).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
	if err != nil {
		return err
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("not established: %w", ctx.Err())
		case ev, ok := <-w.ResultChan():
			if !ok {
				return waitEstablished(ctx, dyn, name)
			}
			obj, ok := ev.Object.(*unstructured.Unstructured)
			if !ok {
				continue
			}
			if conditionStatus(obj, "Established") == "True" {
				return nil
			}
		}
	}
}

// conditionStatus returns the status of the condition of type t, or "".
func conditionStatus(obj *unstructured.Unstructured, t string) string {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if ok && m["type"] == t {
			s, _ := m["status"].(string)
			return s
		}
	}
	return ""
}
