package serving

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// InferenceServiceGVR is KServe's InferenceService.
var InferenceServiceGVR = schema.GroupVersionResource{Group: "serving.kserve.io", Version: "v1beta1", Resource: "inferenceservices"}

// Annotations the provider writes: the deployment mode (KServe's), the
// registry references, so that import and the data source can report them,
// and in Standard mode a hash of what each predictor serves. KServe copies
// a predictor's annotations onto its Deployment and pods, so the hash tells
// which pods serve the model the provider asked for.
//
// In Standard mode the references and hashes are predictor annotations
// (spec.predictor.annotations, spec.canary[].predictor.annotations), not
// object annotations: KServe copies object annotations onto every
// predictor's pods, so adding a canary would restart the stable model's
// pods. In Knative mode the canary is a revision of the one predictor, and
// the references are object annotations.
const (
	annotationDeploymentMode   = "serving.kserve.io/deploymentMode"
	annotationModelRef         = "mlops.terraform.io/model"
	annotationCanaryRef        = "mlops.terraform.io/canary"
	annotationStableStorageURI = "mlops.terraform.io/stable-storage-uri"
	annotationModelHash        = "mlops.terraform.io/model-hash"
	kserveContainer            = "kserve-container"
	labelInferenceService      = "serving.kserve.io/inferenceservice"
)

// internalAnnotation tells the annotations the provider writes for itself
// (they are not the user's annotations).
func internalAnnotation(k string) bool {
	return k == annotationDeploymentMode || strings.HasPrefix(k, "mlops.terraform.io/")
}

// modelSpec is one model as the provider serves it (predictor or canary).
type modelSpec struct {
	StorageURI     string            `json:"-"`
	Format         string            `json:"-"`
	FormatVersion  string            `json:"-"`
	Runtime        string            `json:"-"`
	Protocol       string            `json:"-"`
	Env            map[string]string `json:"-"`
	Resources      *workload.Resources
	Args           []string
	EnvFromSecrets map[string]workload.SecretKey
	// Container is a custom model server, run instead of the runtime that
	// KServe picks for Format.
	Container *containerSpec
	// Registry reference, recorded in an annotation.
	Ref registryRefSpec `json:"-"`
}

// registryRefSpec is what the annotations record of a registry reference.
type registryRefSpec struct {
	RegisteredModel string `json:"registered_model,omitempty"`
	Version         string `json:"version,omitempty"`
	Alias           string `json:"alias,omitempty"`
	ResolvedVersion string `json:"resolved_version,omitempty"`
	StorageURI      string `json:"storage_uri,omitempty"`
}

// loggerSpec is KServe's payload logging (predictor.logger): KServe's agent
// sends each request and response as a CloudEvent to URL.
type loggerSpec struct {
	URL             string   `json:"url"`
	Mode            string   `json:"mode,omitempty"`
	MetadataHeaders []string `json:"metadataHeaders,omitempty"`
}

// batcherSpec is KServe's request batching (predictor.batcher).
type batcherSpec struct {
	MaxBatchSize *int64 `json:"maxBatchSize,omitempty"`
	MaxLatency   *int64 `json:"maxLatency,omitempty"`
	Timeout      *int64 `json:"timeout,omitempty"`
}

type scalingSpec struct {
	MinReplicas, MaxReplicas, Target *int64
	Metric                           string
	// Class is KServe's autoscaler (serving.kserve.io/autoscalerClass):
	// hpa, keda or none; empty leaves KServe's default (hpa).
	Class      string
	Prometheus *prometheusSpec
}

// prometheusSpec is the Prometheus query that KEDA scales on.
type prometheusSpec struct {
	Server, Query, Target string
}

// endpointSpec is everything the provider manages on an InferenceService.
type endpointSpec struct {
	Name, Namespace string
	Mode            string
	Labels          map[string]string // the user's
	Annotations     map[string]string // the user's
	Model           modelSpec
	Canary          *modelSpec
	CanaryPercent   int64
	Scaling         *scalingSpec
	Logger          *loggerSpec
	Batcher         *batcherSpec
	Pod             *podSpec
	Transformer     *transformerSpec
	Timeout         *int64 // seconds
	Concurrency     *int64
	// staleStatus says that KServe's status already reported the spec
	// invalid before this apply: the wait does not trust that verdict.
	staleStatus bool
	// PredictorName is spec.predictor.name in Standard mode: empty until a
	// rollout promotes a canary, which then keeps its name (and its
	// Deployment) as the stable predictor. It is read from the live object.
	PredictorName string
}

// hash is a short digest of what a predictor's pods run: the model, and
// the object's labels and annotations (KServe copies them onto the pods).
func (e endpointSpec) hash(m modelSpec) string {
	parts := []any{m.toMap(), e.Labels, e.Annotations, e.Logger, e.Batcher}
	if m.Container != nil {
		parts[0] = m.Container.toMap(m.StorageURI)
	}
	// Newer settings count only when set, so that an endpoint without them
	// keeps its hash (and its pods) across provider upgrades.
	if pod := e.podSettings(); len(pod) > 0 {
		parts = append(parts, pod)
	}
	return digest(mustJSON(parts))
}

// digest is a short hex digest of s.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// canaryName is the Standard canary's predictor name: derived from what it
// serves, so that each new model gets its own Deployment
// ({name}-{canaryName}-predictor), and never the stable predictor's name.
func (e endpointSpec) canaryName() string {
	if e.Canary == nil {
		return ""
	}
	h := e.hash(*e.Canary)[:8]
	if n := "c-" + h; n != e.PredictorName {
		return n
	}
	return "c2-" + h
}

// deploymentName is the Deployment KServe makes for a predictor name.
func (e endpointSpec) deploymentName(predictorName string) string {
	if predictorName == "" {
		return e.Name + "-predictor"
	}
	return e.Name + "-" + predictorName + "-predictor"
}

// toObject renders the spec as the object to server-side apply. Fields left
// out are not managed, so KServe's defaults for them never cause a diff.
func (e endpointSpec) toObject() *unstructured.Unstructured {
	annotations := map[string]any{annotationDeploymentMode: e.Mode}
	for k, v := range e.Annotations {
		annotations[k] = v
	}
	predictor := e.podSettings()
	e.renderScaling(predictor, annotations)
	spec := map[string]any{"predictor": predictor}
	if t := e.Transformer; t != nil {
		spec["transformer"] = e.renderTransformer(t)
	}
	if l := e.Logger; l != nil {
		predictor["logger"] = l.toMap()
	}
	if b := e.Batcher; b != nil {
		predictor["batcher"] = b.toMap()
	}
	if e.Mode == ModeKnative {
		e.renderKnativeModels(predictor, annotations)
	} else {
		e.renderStandardModels(spec, predictor)
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "serving.kserve.io/v1beta1",
		"kind":       "InferenceService",
		"metadata":   e.metadata(annotations),
		"spec":       spec,
	}}
}

// renderScaling sets the replicas, the metric and KEDA's Prometheus query
// on the predictor, and the autoscaler class in the object's annotations.
func (e endpointSpec) renderScaling(predictor, annotations map[string]any) {
	s := e.Scaling
	if s == nil {
		return
	}
	setInt(predictor, "minReplicas", s.MinReplicas)
	setInt(predictor, "maxReplicas", s.MaxReplicas)
	setInt(predictor, "scaleTarget", s.Target)
	if s.Metric != "" {
		predictor["scaleMetric"] = s.Metric
	}
	if s.Class != "" {
		annotations[annotationAutoscalerClass] = s.Class
	}
	if p := s.Prometheus; p != nil {
		predictor["autoScaling"] = p.toMap()
	}
}

// renderTransformer is spec.transformer, annotated with the hash of what
// its pods run.
func (e endpointSpec) renderTransformer(t *transformerSpec) map[string]any {
	ann := map[string]any{annotationModelHash: t.hash()}
	if e.Scaling != nil && e.Scaling.Class == scalingClassKEDA {
		// KServe applies the object's autoscaler class to every
		// component, and a transformer has no Prometheus query of its
		// own (KServe would make an invalid ScaledObject): it scales with
		// KServe's default HPA. A component's annotation wins over the object's.
		ann[annotationAutoscalerClass] = scalingClassHPA
	}
	return t.toMap(ann)
}

// toMap is predictor.logger.
func (l *loggerSpec) toMap() map[string]any {
	logger := map[string]any{"url": l.URL}
	if l.Mode != "" {
		logger["mode"] = l.Mode
	}
	if len(l.MetadataHeaders) > 0 {
		logger["metadataHeaders"] = toAnyList(l.MetadataHeaders)
	}
	return logger
}

// toMap is predictor.batcher.
func (b *batcherSpec) toMap() map[string]any {
	batcher := map[string]any{}
	setInt(batcher, "maxBatchSize", b.MaxBatchSize)
	setInt(batcher, "maxLatency", b.MaxLatency)
	setInt(batcher, "timeout", b.Timeout)
	return batcher
}

// renderKnativeModels sets what the one predictor serves in Knative mode:
// the model, or the canary as the newest revision with its share of
// traffic. The registry references are object annotations.
func (e endpointSpec) renderKnativeModels(predictor, annotations map[string]any) {
	if ref := e.Model.Ref; ref != (registryRefSpec{}) {
		annotations[annotationModelRef] = mustJSON(ref)
	}
	if e.Canary == nil {
		e.Model.renderInto(predictor, false)
		return
	}
	// The canary is the newest revision and takes canaryTrafficPercent;
	// the last rolled-out revision (the model) keeps the rest.
	e.Canary.renderInto(predictor, false)
	predictor["canaryTrafficPercent"] = e.CanaryPercent
	annotations[annotationStableStorageURI] = e.Model.StorageURI
	if ref := e.Canary.Ref; ref != (registryRefSpec{}) {
		annotations[annotationCanaryRef] = mustJSON(ref)
	}
}

// renderStandardModels sets what the predictors serve in Standard mode: the
// model on the stable predictor and the canary, if any, as a predictor of
// its own in spec.canary, each with its predictor annotations.
func (e endpointSpec) renderStandardModels(spec, predictor map[string]any) {
	if e.PredictorName != "" {
		predictor["name"] = e.PredictorName
	}
	e.Model.renderInto(predictor, false)
	predictor["annotations"] = e.predictorAnnotations(e.Model)
	if e.Canary == nil {
		return
	}
	canary := e.podSettings()
	canary["name"] = e.canaryName()
	canary["annotations"] = e.predictorAnnotations(*e.Canary)
	e.Canary.renderInto(canary, true)
	if e.CanaryPercent == 0 {
		// KServe gives a canary ceil(stable replicas × share) replicas:
		// none at 0%. A dark launch still runs one.
		canary["minReplicas"] = int64(1)
	}
	spec["canary"] = []any{map[string]any{"predictor": canary, "trafficPercent": e.CanaryPercent}}
}

// metadata is the object's name, namespace, annotations and the user's
// labels.
func (e endpointSpec) metadata(annotations map[string]any) map[string]any {
	metadata := map[string]any{
		"name":        e.Name,
		"namespace":   e.Namespace,
		"annotations": annotations,
	}
	if len(e.Labels) > 0 {
		labels := map[string]any{}
		for k, v := range e.Labels {
			labels[k] = v
		}
		metadata["labels"] = labels
	}
	return metadata
}

// predictorAnnotations are a Standard predictor's: its registry reference
// and the hash of what its pods run.
func (e endpointSpec) predictorAnnotations(m modelSpec) map[string]any {
	out := map[string]any{annotationModelHash: e.hash(m)}
	if m.Ref != (registryRefSpec{}) {
		out[annotationModelRef] = mustJSON(m.Ref)
	}
	return out
}

// renderInto sets what a predictor serves: the model (its format picks
// KServe's runtime) or a custom server's container. KServe's CRD requires a
// Standard canary's model (a container) to be named, and its validator
// refuses a name on the stable predictor's model; KServe names the
// container kserve-container either way.
func (m modelSpec) renderInto(predictor map[string]any, canary bool) {
	if m.Container != nil {
		predictor["containers"] = []any{m.Container.toMap(m.StorageURI)}
		return
	}
	model := m.toMap()
	if canary {
		model["name"] = kserveContainer
	}
	predictor["model"] = model
}

// podSettings are the settings of a predictor that are not its model: the
// pod's (service account, placement, pull secrets, priority) and KServe's
// per-request timeout and concurrency. The canary gets them too.
func (e endpointSpec) podSettings() map[string]any {
	out := map[string]any{}
	e.Pod.renderInto(out)
	setInt(out, "timeout", e.Timeout)
	setInt(out, "containerConcurrency", e.Concurrency)
	return out
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
	if env := workload.EnvList(m.Env, m.EnvFromSecrets); len(env) > 0 {
		out["env"] = env
	}
	if len(m.Args) > 0 {
		out["args"] = toAnyList(m.Args)
	}
	if r := m.Resources.Map(); r != nil {
		out["resources"] = r
	}
	return out
}

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

func toAnyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, v := range ss {
		out[i] = v
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

// readiness says whether what was applied serves, whether it has failed
// for good, and why not when it does not serve.
type readiness struct {
	Ready, Failed   bool
	Reason, Message string
}

// readinessOf is the readiness that the object's status alone tells. In
// Knative mode that is the current generation's Ready condition. In
// Standard mode KServe copies observedGeneration from the Deployment and
// keeps Ready True while old pods serve during a rolling update, so the
// status alone says only whether something serves: Ready, and each canary
// ready in status.canaryStatuses. (The wait for a change looks at the
// Deployments and pods too: see waitStandard.)
func readinessOf(obj *unstructured.Unstructured) readiness {
	knative := modeOf(obj) == ModeKnative
	if knative {
		observed, _, _ := unstructured.NestedInt64(obj.Object, "status", "observedGeneration")
		if observed < obj.GetGeneration() {
			return readiness{Reason: "NotObserved", Message: fmt.Sprintf("KServe has not yet reconciled generation %d (observed: %d)", obj.GetGeneration(), observed)}
		}
	}
	conds := conditionsOf(obj)
	var ready *condition
	var worst *condition
	for i := range conds {
		c := &conds[i]
		if c.Type == "Ready" {
			ready = c
		} else if c.Status != "True" && c.Type != "Stopped" && (worst == nil || (worst.Status == "Unknown" && c.Status == "False")) {
			worst = c
		}
	}
	r := readiness{Ready: ready != nil && ready.Status == "True"}
	if !knative && r.Ready {
		for _, cs := range canaryStatusesOf(obj) {
			if !cs.Ready {
				r = readiness{Reason: "CanaryPredictorReady: CanariesNotReady", Message: fmt.Sprintf("KServe reports the canary %s not ready", cs.Name)}
			}
		}
	}
	if r.Ready {
		return r
	}
	if r.Reason == "" {
		r.Reason, r.Message = "NotReady", "no Ready condition yet"
		switch {
		case worst != nil:
			r.Reason, r.Message = worst.Type+": "+worst.Reason, worst.Message
		case ready != nil:
			r.Reason, r.Message = ready.Reason, ready.Message
		}
	}
	transition, _, _ := unstructured.NestedString(obj.Object, "status", "modelStatus", "transitionStatus")
	if knative && (transition == "BlockedByFailedLoad" || transition == "InvalidSpec") {
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

// canaryStatus is one entry of a Standard InferenceService's
// status.canaryStatuses.
type canaryStatus struct {
	Name           string
	Ready          bool
	TrafficPercent int64
}

func canaryStatusesOf(obj *unstructured.Unstructured) []canaryStatus {
	list, _, _ := unstructured.NestedSlice(obj.Object, "status", "canaryStatuses")
	out := make([]canaryStatus, 0, len(list))
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		cs := canaryStatus{}
		cs.Name, _ = m["name"].(string)
		cs.Ready, _ = m["ready"].(bool)
		if p := kube.Int64(m, "trafficPercent"); p != nil {
			cs.TrafficPercent = *p
		}
		out = append(out, cs)
	}
	return out
}

// trafficOf reads the split KServe reports: model and, when one serves,
// canary. Knative mode reports it in components.predictor.traffic; Standard
// mode in status.canaryStatuses (the stable model takes the rest). Empty
// until KServe has reconciled the object.
func trafficOf(obj *unstructured.Unstructured) map[string]int64 {
	out := map[string]int64{}
	if modeOf(obj) != ModeKnative {
		if _, reconciled, _ := unstructured.NestedString(obj.Object, "status", "deploymentMode"); !reconciled {
			return out
		}
		out["model"] = 100
		for _, cs := range canaryStatusesOf(obj) {
			out["canary"] += cs.TrafficPercent
			out["model"] -= cs.TrafficPercent
		}
		return out
	}
	list, _, _ := unstructured.NestedSlice(obj.Object, "status", "components", "predictor", "traffic")
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
