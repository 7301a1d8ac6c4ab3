package serving

import (
	"encoding/json"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// Reading an InferenceService back into the spec the provider manages,
// and the managedFields parsing that tells which of its fields the
// provider's field manager owns.

// fromObject reads what the provider manages back from a live object. The
// user's labels and annotations are those the provider's field manager
// owns (so that keys other controllers add are not reported).
func fromObject(obj *unstructured.Unstructured) endpointSpec {
	return fromOwnedObject(obj, managedBy(obj, kube.FieldManager))
}

// fromOwnedObject is fromObject with the provider's fields already parsed.
func fromOwnedObject(obj *unstructured.Unstructured, owned fieldSet) endpointSpec {
	e := endpointSpec{Name: obj.GetName(), Namespace: obj.GetNamespace(), Mode: modeOf(obj)}
	ann := obj.GetAnnotations()
	ownedAnn, ownedLabels := owned.keys("f:metadata", "f:annotations"), owned.keys("f:metadata", "f:labels")
	for k, v := range ann {
		if ownedAnn[k] && !internalAnnotation(k) {
			if e.Annotations == nil {
				e.Annotations = map[string]string{}
			}
			e.Annotations[k] = v
		}
	}
	for k, v := range obj.GetLabels() {
		if ownedLabels[k] {
			if e.Labels == nil {
				e.Labels = map[string]string{}
			}
			e.Labels[k] = v
		}
	}
	spec, _, _ := unstructured.NestedMap(obj.Object, "spec")
	predictor, _, _ := unstructured.NestedMap(spec, "predictor")
	e.Model = modelOfPredictor(predictor)
	e.PredictorName, _ = predictor["name"].(string)
	e.Pod = readPod(predictor)
	e.Timeout, e.Concurrency = kube.Int64(predictor, "timeout"), kube.Int64(predictor, "containerConcurrency")
	e.Transformer = readTransformer(spec)
	readRef := func(annotations map[string]any, fallback string, into *registryRefSpec) {
		if s, ok := annotations[annotationModelRef].(string); ok {
			_ = json.Unmarshal([]byte(s), into)
		} else {
			_ = json.Unmarshal([]byte(fallback), into)
		}
	}
	predAnn, _, _ := unstructured.NestedMap(predictor, "annotations")
	readRef(predAnn, ann[annotationModelRef], &e.Model.Ref)

	if lm, ok := predictor["logger"].(map[string]any); ok {
		l := &loggerSpec{}
		l.URL, _ = lm["url"].(string)
		l.Mode, _ = lm["mode"].(string)
		l.MetadataHeaders, _, _ = unstructured.NestedStringSlice(lm, "metadataHeaders")
		e.Logger = l
	}
	if bm, ok := predictor["batcher"].(map[string]any); ok {
		e.Batcher = &batcherSpec{MaxBatchSize: kube.Int64(bm, "maxBatchSize"), MaxLatency: kube.Int64(bm, "maxLatency"), Timeout: kube.Int64(bm, "timeout")}
	}

	var s scalingSpec
	s.MinReplicas = kube.Int64(predictor, "minReplicas")
	s.MaxReplicas = kube.Int64(predictor, "maxReplicas")
	s.Target = kube.Int64(predictor, "scaleTarget")
	s.Metric, _ = predictor["scaleMetric"].(string)
	s.Class = e.Annotations[annotationAutoscalerClass] // the provider's own (scaling.class or the user's annotation)
	s.Prometheus = readPrometheus(predictor)
	if s.MinReplicas != nil || s.MaxReplicas != nil || s.Target != nil || s.Metric != "" || s.Class != "" || s.Prometheus != nil {
		e.Scaling = &s
	}

	if p := kube.Int64(predictor, "canaryTrafficPercent"); p != nil && e.Mode == ModeKnative {
		canary := e.Model
		canary.Ref = registryRefSpec{}
		_ = json.Unmarshal([]byte(ann[annotationCanaryRef]), &canary.Ref)
		e.Canary = &canary
		e.CanaryPercent = *p
		e.Model.StorageURI = ann[annotationStableStorageURI]
	} else if canaries, _, _ := unstructured.NestedSlice(obj.Object, "spec", "canary"); len(canaries) > 0 {
		first, _ := canaries[0].(map[string]any)
		cp, _, _ := unstructured.NestedMap(first, "predictor")
		canary := modelOfPredictor(cp)
		cAnn, _, _ := unstructured.NestedMap(cp, "annotations")
		readRef(cAnn, ann[annotationCanaryRef], &canary.Ref)
		e.Canary = &canary
		if p := kube.Int64(first, "trafficPercent"); p != nil {
			e.CanaryPercent = *p
		}
	}
	return e
}

// modeOf is the object's deployment mode, in today's names: its annotation,
// else what KServe reports, else Standard (KServe's default).
func modeOf(obj *unstructured.Unstructured) string {
	mode := obj.GetAnnotations()[annotationDeploymentMode]
	if mode == "" {
		mode, _, _ = unstructured.NestedString(obj.Object, "status", "deploymentMode")
	}
	switch mode {
	case "Serverless", ModeKnative:
		return ModeKnative
	}
	return ModeStandard
}

// fieldSet is a parsed managedFields entry's fieldsV1: nested maps keyed
// as the API server writes them ("f:spec", `k:{"name":"x"}`). The provider
// reads which fields it owns from it, one parse per object read.
type fieldSet []fieldMap

type fieldMap map[string]any

// managedBy parses the fields that manager owns.
func managedBy(obj *unstructured.Unstructured, manager string) fieldSet {
	var out fieldSet
	for _, mf := range obj.GetManagedFields() {
		if mf.Manager != manager || mf.FieldsV1 == nil {
			continue
		}
		var fields fieldMap
		if json.Unmarshal(mf.FieldsV1.Raw, &fields) == nil {
			out = append(out, fields)
		}
	}
	return out
}

// has tells whether the manager owns the field at path.
func (fs fieldSet) has(path ...string) bool {
	for _, fields := range fs {
		if fields.at(path) != nil {
			return true
		}
	}
	return false
}

// keys lists the map keys the manager owns under path, such as the label
// names under f:metadata, f:labels.
func (fs fieldSet) keys(path ...string) map[string]bool {
	out := map[string]bool{}
	for _, fields := range fs {
		m, _ := fields.at(path).(map[string]any)
		for k := range m {
			if name, ok := strings.CutPrefix(k, "f:"); ok {
				out[name] = true
			}
		}
	}
	return out
}

func (f fieldMap) at(path []string) any {
	node := any(map[string]any(f))
	for _, p := range path {
		m, ok := node.(map[string]any)
		if !ok {
			return nil
		}
		node = m[p]
	}
	return node
}

// modelOfPredictor reads what a predictor serves: its model, or a custom
// server's container.
func modelOfPredictor(predictor map[string]any) modelSpec {
	if c, uri := readContainer(predictor); c != nil {
		return modelSpec{Container: c, StorageURI: uri}
	}
	model, _, _ := unstructured.NestedMap(predictor, "model")
	return modelFromMap(model)
}

func modelFromMap(m map[string]any) modelSpec {
	var out modelSpec
	out.StorageURI, _ = m["storageUri"].(string)
	out.Format, _, _ = unstructured.NestedString(m, "modelFormat", "name")
	out.FormatVersion, _, _ = unstructured.NestedString(m, "modelFormat", "version")
	out.Runtime, _ = m["runtime"].(string)
	out.Protocol, _ = m["protocolVersion"].(string)
	if env, ok := m["env"].([]any); ok {
		out.Env, out.EnvFromSecrets = workload.ReadEnv(env, nil)
	}
	out.Args, _, _ = unstructured.NestedStringSlice(m, "args")
	out.Resources = workload.ReadResources(m)
	return out
}
