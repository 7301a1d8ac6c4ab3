package serving

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// KServe's InferenceService as the provider manages it: the spec it holds
// (endpointSpec) and its rendering into the object to server-side apply.
// Reading the object back is in inferenceservice_read.go, KServe's status
// in inferenceservice_status.go, and what runs where in
// inferenceservice_pod.go.

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
	return digest(tfval.MustJSON(parts))
}

// digest is a short hex digest of s.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// id is the InferenceService's ID.
func (e endpointSpec) id() kube.ID { return kube.ID{Namespace: e.Namespace, Name: e.Name} }

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
		logger["metadataHeaders"] = tfval.ToAny(l.MetadataHeaders)
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
		annotations[annotationModelRef] = tfval.MustJSON(ref)
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
		annotations[annotationCanaryRef] = tfval.MustJSON(ref)
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
		metadata["labels"] = tfval.MapToAny(e.Labels)
	}
	return metadata
}

// predictorAnnotations are a Standard predictor's: its registry reference
// and the hash of what its pods run.
func (e endpointSpec) predictorAnnotations(m modelSpec) map[string]any {
	out := map[string]any{annotationModelHash: e.hash(m)}
	if m.Ref != (registryRefSpec{}) {
		out[annotationModelRef] = tfval.MustJSON(m.Ref)
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
		out["args"] = tfval.ToAny(m.Args)
	}
	if r := m.Resources.Map(); r != nil {
		out["resources"] = r
	}
	return out
}

func setInt(m map[string]any, k string, v *int64) {
	if v != nil {
		m[k] = *v
	}
}
