package serving

import (
	"encoding/json"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
)

// InferenceServiceGVR is KServe's InferenceService.
var InferenceServiceGVR = schema.GroupVersionResource{Group: "serving.kserve.io", Version: "v1beta1", Resource: "inferenceservices"}

// Annotations the provider writes: the deployment mode (KServe's), and the
// registry references, so that import and the data source can report them.
const (
	annotationDeploymentMode   = "serving.kserve.io/deploymentMode"
	annotationModelRef         = "mlops.terraform.io/model"
	annotationCanaryRef        = "mlops.terraform.io/canary"
	annotationStableStorageURI = "mlops.terraform.io/stable-storage-uri"
)

// modelSpec is one model as the provider serves it (predictor or canary).
type modelSpec struct {
	StorageURI    string            `json:"-"`
	Format        string            `json:"-"`
	FormatVersion string            `json:"-"`
	Runtime       string            `json:"-"`
	Protocol      string            `json:"-"`
	Env           map[string]string `json:"-"`
	Resources     *resourceSpec     `json:"-"`
	// Registry reference, recorded in an annotation.
	Ref registryRefSpec `json:"-"`
}

type resourceSpec struct {
	CPU, Memory string
	GPU         *int64
}

// registryRefSpec is what the annotations record of a registry reference.
type registryRefSpec struct {
	RegisteredModel string `json:"registered_model,omitempty"`
	Version         string `json:"version,omitempty"`
	Alias           string `json:"alias,omitempty"`
	ResolvedVersion string `json:"resolved_version,omitempty"`
	StorageURI      string `json:"storage_uri,omitempty"`
}

type scalingSpec struct {
	MinReplicas, MaxReplicas, Target *int64
	Metric                           string
}

// endpointSpec is everything the provider manages on an InferenceService.
type endpointSpec struct {
	Name, Namespace string
	Mode            string
	Model           modelSpec
	Canary          *modelSpec
	CanaryPercent   int64
	Scaling         *scalingSpec
}

// toObject renders the spec as the object to server-side apply. Fields left
// out are not managed, so KServe's defaults for them never cause a diff.
func (e endpointSpec) toObject() *unstructured.Unstructured {
	annotations := map[string]any{annotationDeploymentMode: e.Mode}
	if ref := e.Model.Ref; ref != (registryRefSpec{}) {
		annotations[annotationModelRef] = mustJSON(ref)
	}
	predictor := map[string]any{}
	if s := e.Scaling; s != nil {
		setInt(predictor, "minReplicas", s.MinReplicas)
		setInt(predictor, "maxReplicas", s.MaxReplicas)
		setInt(predictor, "scaleTarget", s.Target)
		if s.Metric != "" {
			predictor["scaleMetric"] = s.Metric
		}
	}
	spec := map[string]any{"predictor": predictor}
	switch {
	case e.Canary == nil:
		predictor["model"] = e.Model.toMap()
	case e.Mode == ModeKnative:
		// The canary is the newest revision and takes canaryTrafficPercent;
		// the last rolled-out revision (the model) keeps the rest.
		predictor["model"] = e.Canary.toMap()
		predictor["canaryTrafficPercent"] = e.CanaryPercent
		annotations[annotationStableStorageURI] = e.Model.StorageURI
	default:
		predictor["model"] = e.Model.toMap()
		canaryPredictor := map[string]any{"model": e.Canary.toMap()}
		spec["canary"] = []any{map[string]any{"predictor": canaryPredictor, "trafficPercent": e.CanaryPercent}}
	}
	if e.Canary != nil {
		if ref := e.Canary.Ref; ref != (registryRefSpec{}) {
			annotations[annotationCanaryRef] = mustJSON(ref)
		}
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "serving.kserve.io/v1beta1",
		"kind":       "InferenceService",
		"metadata": map[string]any{
			"name":        e.Name,
			"namespace":   e.Namespace,
			"annotations": annotations,
		},
		"spec": spec,
	}}
}

func (m modelSpec) toMap() map[string]any {
	format := map[string]any{"name": m.Format}
	if m.FormatVersion != "" {
		format["version"] = m.FormatVersion
	}
	out := map[string]any{"modelFormat": format, "storageUri": m.StorageURI}
	if m.Protocol != "" {
		out["protocolVersion"] = m.Protocol
	}
	if m.Runtime != "" {
		out["runtime"] = m.Runtime
	}
	if len(m.Env) > 0 {
		keys := make([]string, 0, len(m.Env))
		for k := range m.Env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		env := make([]any, 0, len(keys))
		for _, k := range keys {
			env = append(env, map[string]any{"name": k, "value": m.Env[k]})
		}
		out["env"] = env
	}
	if r := m.Resources; r != nil {
		q := map[string]any{}
		if r.CPU != "" {
			q["cpu"] = r.CPU
		}
		if r.Memory != "" {
			q["memory"] = r.Memory
		}
		if r.GPU != nil && *r.GPU > 0 {
			q["nvidia.com/gpu"] = fmt.Sprint(*r.GPU)
		}
		if len(q) > 0 {
			limits := map[string]any{}
			for k, v := range q {
				limits[k] = v
			}
			out["resources"] = map[string]any{"requests": q, "limits": limits}
		}
	}
	return out
}

// fromObject reads what the provider manages back from a live object.
func fromObject(obj *unstructured.Unstructured) endpointSpec {
	e := endpointSpec{Name: obj.GetName(), Namespace: obj.GetNamespace()}
	ann := obj.GetAnnotations()
	e.Mode = ann[annotationDeploymentMode]
	if e.Mode == "" {
		e.Mode, _, _ = unstructured.NestedString(obj.Object, "status", "deploymentMode")
	}
	switch e.Mode {
	case "RawDeployment":
		e.Mode = ModeStandard
	case "Serverless":
		e.Mode = ModeKnative
	case "":
		e.Mode = ModeStandard
	}
	predictor, _, _ := unstructured.NestedMap(obj.Object, "spec", "predictor")
	model, _, _ := unstructured.NestedMap(predictor, "model")
	e.Model = modelFromMap(model)
	_ = json.Unmarshal([]byte(ann[annotationModelRef]), &e.Model.Ref)

	var s scalingSpec
	s.MinReplicas = kube.Int64(predictor, "minReplicas")
	s.MaxReplicas = kube.Int64(predictor, "maxReplicas")
	s.Target = kube.Int64(predictor, "scaleTarget")
	s.Metric, _ = predictor["scaleMetric"].(string)
	if s.MinReplicas != nil || s.MaxReplicas != nil || s.Target != nil || s.Metric != "" {
		e.Scaling = &s
	}

	if p := kube.Int64(predictor, "canaryTrafficPercent"); p != nil && e.Mode == ModeKnative {
		canary := e.Model
		canary.Ref = registryRefSpec{}
		e.Canary = &canary
		e.CanaryPercent = *p
		e.Model.StorageURI = ann[annotationStableStorageURI]
	} else if canaries, _, _ := unstructured.NestedSlice(obj.Object, "spec", "canary"); len(canaries) > 0 {
		first, _ := canaries[0].(map[string]any)
		cm, _, _ := unstructured.NestedMap(first, "predictor", "model")
		canary := modelFromMap(cm)
		e.Canary = &canary
		if p := kube.Int64(first, "trafficPercent"); p != nil {
			e.CanaryPercent = *p
		}
	}
	if e.Canary != nil {
		_ = json.Unmarshal([]byte(ann[annotationCanaryRef]), &e.Canary.Ref)
	}
	return e
}

func modelFromMap(m map[string]any) modelSpec {
	var out modelSpec
	out.StorageURI, _ = m["storageUri"].(string)
	out.Format, _, _ = unstructured.NestedString(m, "modelFormat", "name")
	out.FormatVersion, _, _ = unstructured.NestedString(m, "modelFormat", "version")
	out.Runtime, _ = m["runtime"].(string)
	out.Protocol, _ = m["protocolVersion"].(string)
	if env, ok := m["env"].([]any); ok {
		out.Env = map[string]string{}
		for _, item := range env {
			if kv, ok := item.(map[string]any); ok {
				name, _ := kv["name"].(string)
				value, _ := kv["value"].(string)
				out.Env[name] = value
			}
		}
	}
	if req, ok, _ := unstructured.NestedMap(m, "resources", "requests"); ok {
		r := &resourceSpec{CPU: kube.Quantity(req["cpu"]), Memory: kube.Quantity(req["memory"])}
		if g := kube.Quantity(req["nvidia.com/gpu"]); g != "" {
			var n int64
			if _, err := fmt.Sscan(g, &n); err == nil {
				r.GPU = &n
			}
		}
		out.Resources = r
	}
	return out
}

func setInt(m map[string]any, k string, v *int64) {
	if v != nil {
		m[k] = *v
	}
}

func mustJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(data)
}

// ---- status ----

// condition is one of KServe's status conditions.
type condition struct {
	Type, Status, Reason, Message string
}

func conditionsOf(obj *unstructured.Unstructured) []condition {
	list, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	out := make([]condition, 0, len(list))
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		c := condition{}
		c.Type, _ = m["type"].(string)
		c.Status, _ = m["status"].(string)
		c.Reason, _ = m["reason"].(string)
		c.Message, _ = m["message"].(string)
		out = append(out, c)
	}
	return out
}

// readiness says whether the object's current generation is ready, whether
// it has failed for good, and why not when it is not ready.
type readiness struct {
	Ready, Failed   bool
	Reason, Message string
}

func readinessOf(obj *unstructured.Unstructured) readiness {
	observed, _, _ := unstructured.NestedInt64(obj.Object, "status", "observedGeneration")
	if observed < obj.GetGeneration() {
		return readiness{Reason: "NotObserved", Message: fmt.Sprintf("KServe has not yet reconciled generation %d (observed: %d)", obj.GetGeneration(), observed)}
	}
	conds := conditionsOf(obj)
	var ready *condition
	var worst *condition
	for i := range conds {
		c := &conds[i]
		if c.Type == "Ready" {
			ready = c
		} else if c.Status != "True" && (worst == nil || (worst.Status == "Unknown" && c.Status == "False")) {
			worst = c
		}
	}
	if ready != nil && ready.Status == "True" {
		return readiness{Ready: true}
	}
	r := readiness{Reason: "NotReady", Message: "no Ready condition yet"}
	switch {
	case worst != nil:
		r.Reason, r.Message = worst.Type+": "+worst.Reason, worst.Message
	case ready != nil:
		r.Reason, r.Message = ready.Reason, ready.Message
	}
	transition, _, _ := unstructured.NestedString(obj.Object, "status", "modelStatus", "transitionStatus")
	if transition == "BlockedByFailedLoad" || transition == "InvalidSpec" {
		r.Failed = true
		if msg, ok, _ := unstructured.NestedString(obj.Object, "status", "modelStatus", "lastFailureInfo", "message"); ok && msg != "" {
			r.Message = msg
		}
		if reason, ok, _ := unstructured.NestedString(obj.Object, "status", "modelStatus", "lastFailureInfo", "reason"); ok && reason != "" {
			r.Reason = reason
		}
	}
	return r
}

// trafficOf reads the split KServe reports: model and, when one serves, canary.
func trafficOf(obj *unstructured.Unstructured) map[string]int64 {
	list, _, _ := unstructured.NestedSlice(obj.Object, "status", "components", "predictor", "traffic")
	out := map[string]int64{}
	if len(list) == 0 {
		return out
	}
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		p := int64(0)
		if v := kube.Int64(m, "percent"); v != nil {
			p = *v
		}
		tag, _ := m["tag"].(string)
		latest, _ := m["latestRevision"].(bool)
		if len(list) > 1 && (tag == "canary" || (latest && tag != "primary")) {
			out["canary"] += p
		} else {
			out["model"] += p
		}
	}
	return out
}
