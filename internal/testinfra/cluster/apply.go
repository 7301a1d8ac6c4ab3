// Package cluster is TEST INFRASTRUCTURE, not part of the provider and never
// linked into it: what the local cluster's scripts need that a shell cannot
// do well. It applies manifests (upstream ones, read from the Go module
// cache at install time, and the project's own under test/cluster), and
// turns KServe's webhook manifests and ConfigMap into what a control plane
// without in-cluster Services needs. It imports nothing of the provider's.
package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// FieldManager is the manager of everything the cluster scripts apply.
const FieldManager = "mlops-cluster"

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// Applier server-side applies manifests.
type Applier struct {
	dyn    dynamic.Interface
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

// NewApplier returns an applier for the cluster of cfg.
func NewApplier(cfg *rest.Config) (*Applier, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Applier{dyn: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}, nil
}

// ReadObjects reads every object of the YAML or JSON files given, in order.
// A directory stands for its *.yaml files, sorted; kustomization.yaml files
// are skipped (their resources are listed explicitly instead).
func ReadObjects(paths []string) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	for _, p := range paths {
		files := []string{p}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			matches, _ := filepath.Glob(filepath.Join(p, "*.yaml"))
			sort.Strings(matches)
			files = files[:0]
			for _, m := range matches {
				if filepath.Base(m) != "kustomization.yaml" {
					files = append(files, m)
				}
			}
		}
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			objs, err := DecodeObjects(raw)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			out = append(out, objs...)
		}
	}
	return out, nil
}

// DecodeObjects decodes a multi-document YAML (or JSON) stream.
func DecodeObjects(raw []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
}

// Apply server-side applies the objects in order. CRDs are waited for until
// Established before the next object, so that a later object can be of a
// kind they define. With withStatus, an object's status is applied too,
// through the status subresource (a Node's capacity, say); else it is
// dropped.
func (a *Applier) Apply(ctx context.Context, objs []*unstructured.Unstructured, defaultNamespace string, withStatus bool) error {
	for _, obj := range objs {
		unstructured.RemoveNestedField(obj.Object, "metadata", "creationTimestamp")
		status, hasStatus, _ := unstructured.NestedMap(obj.Object, "status")
		unstructured.RemoveNestedField(obj.Object, "status")
		gvk := obj.GroupVersionKind()
		mapping, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			a.mapper.Reset()
			if mapping, err = a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
				return fmt.Errorf("%s %s: %w", gvk.Kind, obj.GetName(), err)
			}
		}
		var ri dynamic.ResourceInterface = a.dyn.Resource(mapping.Resource)
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			if obj.GetNamespace() == "" {
				obj.SetNamespace(defaultNamespace)
			}
			ri = a.dyn.Resource(mapping.Resource).Namespace(obj.GetNamespace())
		}
		data, err := obj.MarshalJSON()
		if err != nil {
			return err
		}
		force := true
		if _, err := ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, data,
			metav1.PatchOptions{FieldManager: FieldManager, Force: &force}); err != nil {
			return fmt.Errorf("applying %s %s: %w", gvk.Kind, obj.GetName(), err)
		}
		if withStatus && hasStatus {
			st := obj.DeepCopy()
			st.Object["status"] = status
			if data, err = st.MarshalJSON(); err != nil {
				return err
			}
			if _, err := ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, data,
				metav1.PatchOptions{FieldManager: FieldManager, Force: &force}, "status"); err != nil {
				return fmt.Errorf("applying the status of %s %s: %w", gvk.Kind, obj.GetName(), err)
			}
		}
		if mapping.Resource == crdGVR {
			if err := a.waitEstablished(ctx, obj.GetName()); err != nil {
				return fmt.Errorf("CRD %s: %w", obj.GetName(), err)
			}
			a.mapper.Reset()
		}
	}
	return nil
}

func (a *Applier) waitEstablished(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		obj, err := a.dyn.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		if err == nil && conditionStatus(obj, "Established") == "True" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not established: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
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

// EncodeObjects writes objects as a multi-document YAML stream.
func EncodeObjects(w io.Writer, objs []*unstructured.Unstructured) error {
	for _, o := range objs {
		data, err := o.MarshalJSON()
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "---\n%s\n", strings.TrimSpace(string(data))); err != nil {
			return err
		}
	}
	return nil
}
