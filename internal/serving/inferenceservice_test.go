package serving

import (
	"fmt"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

func i64(v int64) *int64 { return &v }

func TestSpecRoundTrip(t *testing.T) {
	model := modelSpec{
		StorageURI: "s3://m/1", Format: "mlflow", FormatVersion: "2", Runtime: "rt", Protocol: "v2",
		Env:       map[string]string{"B": "2", "A": "1"},
		Resources: &workload.Resources{CPU: "1", Memory: "2Gi", GPU: i64(1), LimitCPU: "4"},
		Ref:       registryRefSpec{RegisteredModel: "churn", Alias: "champion", ResolvedVersion: "7"},
		Args:      []string{"--workers=2"}, EnvFromSecrets: map[string]workload.SecretKey{"TOKEN": {Secret: "hf", Key: "token"}},
	}
	pod := &podSpec{ServiceAccount: "sa", NodeSelector: map[string]string{"pool": "gpu"}, PriorityClass: "high", ImagePullSecrets: []string{"regcred"},
		Tolerations: []workload.Toleration{{Key: "nvidia.com/gpu", Operator: "Exists", Effect: "NoSchedule"}, {Key: "k", Value: "v", Effect: "NoExecute", Seconds: i64(30)}}}
	transformer := &transformerSpec{MinReplicas: i64(1), MaxReplicas: i64(2), Container: containerSpec{Image: "feat:1", Command: []string{"python"},
		Args: []string{"-m", "t"}, Port: i64(8080), Env: map[string]string{"A": "1"}, Resources: &workload.Resources{CPU: "1"}}}
	for _, mode := range []string{ModeStandard, ModeKnative} {
		canary := model
		canary.StorageURI = "s3://m/2"
		canary.Ref = registryRefSpec{RegisteredModel: "churn", Version: "8", ResolvedVersion: "8"}
		in := endpointSpec{
			Name: "churn", Namespace: "ns", Mode: mode, Model: model, Canary: &canary, CanaryPercent: 10,
			Scaling: &scalingSpec{MinReplicas: i64(0), MaxReplicas: i64(4), Metric: "rps", Target: i64(5), Prometheus: &prometheusSpec{Server: "http://p:9090", Query: "q", Target: "50"}},
			Pod:     pod, Transformer: transformer, Timeout: i64(60), Concurrency: i64(8),
		}
		obj := in.toObject()
		// What the API server gives back has int64 numbers, as here.
		out := fromObject(obj)
		if !reflect.DeepEqual(in, out) {
			t.Errorf("%s: round trip\n got %+v\nwant %+v", mode, out, in)
		}
	}
}

// A custom server round-trips too, its storage URI through STORAGE_URI, and
// the canary gets the pod settings and the container with its own model.
func TestContainerSpecRoundTrip(t *testing.T) {
	server := &containerSpec{Image: "vllm:1", Command: []string{"python", "-m", "server"}, Args: []string{"--port=8080"}, Port: i64(8080),
		Env: map[string]string{"LOG": "info"}, EnvFromSecrets: map[string]workload.SecretKey{"HF_TOKEN": {Secret: "hf", Key: "token"}}}
	canary := modelSpec{StorageURI: "s3://m/2", Container: server}
	in := endpointSpec{Name: "llm", Namespace: "ns", Mode: ModeStandard, Model: modelSpec{StorageURI: "s3://m/1", Container: server},
		Canary: &canary, CanaryPercent: 20, Pod: &podSpec{ServiceAccount: "sa"}}
	obj := in.toObject()
	if out := fromObject(obj); !reflect.DeepEqual(in, out) {
		t.Errorf("round trip\n got %+v\nwant %+v", out, in)
	}
	containers, _, _ := unstructured.NestedSlice(obj.Object, "spec", "predictor", "containers")
	env := containers[0].(map[string]any)["env"].([]any)
	if containers[0].(map[string]any)["name"] != kserveContainer || env[2].(map[string]any)["name"] != storageURIEnv || env[2].(map[string]any)["value"] != "s3://m/1" {
		t.Fatalf("the server is KServe's kserve-container with the model in STORAGE_URI: %v", containers)
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(obj.Object, "spec", "predictor", "model"); found {
		t.Fatal("a custom server has no model (KServe would pick a runtime for it)")
	}
	cp, _ := obj.Object["spec"].(map[string]any)["canary"].([]any)[0].(map[string]any)["predictor"].(map[string]any)
	if cp["serviceAccountName"] != "sa" {
		t.Fatalf("the canary runs as the model's service account: %v", cp)
	}
	if !modelChanged(in.Model, modelSpec{StorageURI: "s3://m/1", Container: &containerSpec{Image: "vllm:2"}}) {
		t.Fatal("a new image is a new model (a rollout rolls it out)")
	}
}

// An endpoint without the newer settings keeps its hash, so upgrading the
// provider restarts no pods.
func TestHashUnchangedWithoutNewSettings(t *testing.T) {
	e := endpointSpec{Name: "e", Namespace: "ns", Mode: ModeStandard, Labels: map[string]string{"team": "risk"},
		Model: modelSpec{StorageURI: "s3://m/1", Format: "sklearn", Protocol: "v2", Env: map[string]string{"A": "1"}, Resources: &workload.Resources{CPU: "1"}}}
	// The digest as the previous provider computed it (its inputs, spelled out).
	want := digest(tfval.MustJSON([]any{map[string]any{"modelFormat": map[string]any{"name": "sklearn"}, "storageUri": "s3://m/1", "protocolVersion": "v2",
		"env": []any{map[string]any{"name": "A", "value": "1"}}, "resources": map[string]any{"requests": map[string]any{"cpu": "1"}, "limits": map[string]any{"cpu": "1"}}},
		e.Labels, e.Annotations, e.Logger, e.Batcher}))
	if got := e.hash(e.Model); got != want {
		t.Fatalf("hash %s, want the previous provider's %s", got, want)
	}
	e.Pod = &podSpec{NodeSelector: map[string]string{"pool": "gpu"}}
	if e.hash(e.Model) == want {
		t.Fatal("a pod setting changes what the pods run, so the hash")
	}
}

func TestToObjectShape(t *testing.T) {
	obj := endpointSpec{Name: "e", Namespace: "ns", Mode: ModeStandard,
		Model: modelSpec{StorageURI: "s3://m/1", Format: "sklearn", Protocol: "v1", Env: map[string]string{"Z": "1", "A": "2"}}}.toObject()
	env, _, _ := unstructured.NestedSlice(obj.Object, "spec", "predictor", "model", "env")
	if len(env) != 2 || env[0].(map[string]any)["name"] != "A" {
		t.Fatalf("env must be sorted by name for a stable apply, got %v", env)
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(obj.Object, "spec", "predictor", "model", "resources"); found {
		t.Fatal("resources must be left out when not configured (KServe's defaults stay unmanaged)")
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(obj.Object, "spec", "canary"); found {
		t.Fatal("no canary configured, none applied")
	}
	if obj.GetAnnotations()[annotationDeploymentMode] != "Standard" {
		t.Fatal("deployment mode annotation")
	}
}

func TestKnativeCanaryShape(t *testing.T) {
	c := modelSpec{StorageURI: "s3://m/2", Format: "mlflow"}
	obj := endpointSpec{Name: "e", Namespace: "ns", Mode: ModeKnative, Model: modelSpec{StorageURI: "s3://m/1", Format: "mlflow"}, Canary: &c, CanaryPercent: 25}.toObject()
	uri, _, _ := unstructured.NestedString(obj.Object, "spec", "predictor", "model", "storageUri")
	p, _, _ := unstructured.NestedInt64(obj.Object, "spec", "predictor", "canaryTrafficPercent")
	if uri != "s3://m/2" || p != 25 || obj.GetAnnotations()[annotationStableStorageURI] != "s3://m/1" {
		t.Fatalf("Knative canary: predictor %s at %d%%, stable %q", uri, p, obj.GetAnnotations()[annotationStableStorageURI])
	}
}

func status(mode string, gen, observed int64, conds []any, extra map[string]any) *unstructured.Unstructured {
	st := map[string]any{"observedGeneration": observed, "conditions": conds, "deploymentMode": mode}
	for k, v := range extra {
		st[k] = v
	}
	return &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{
		"name": "e", "generation": gen, "annotations": map[string]any{annotationDeploymentMode: mode},
	}, "status": st}}
}

func cond(t, s, reason, msg string) map[string]any {
	return map[string]any{"type": t, "status": s, "reason": reason, "message": msg}
}

func TestReadinessKnative(t *testing.T) {
	ready := []any{cond("PredictorReady", "True", "", ""), cond("Ready", "True", "", "")}
	if r := readinessOf(status(ModeKnative, 2, 2, ready, nil)); !r.Ready {
		t.Fatalf("ready object: %+v", r)
	}
	if r := readinessOf(status(ModeKnative, 3, 2, ready, nil)); r.Ready || r.Reason != "NotObserved" {
		t.Fatalf("a generation KServe has not seen is not ready: %+v", r)
	}
	loading := []any{cond("PredictorReady", "Unknown", "Progressing", "loading"), cond("Ready", "Unknown", "Progressing", "loading")}
	if r := readinessOf(status(ModeKnative, 1, 1, loading, nil)); r.Ready || r.Failed || r.Message != "loading" || r.Reason != "PredictorReady: Progressing" {
		t.Fatalf("loading: %+v", r)
	}
	failed := []any{cond("PredictorReady", "False", "ModelLoadFailed", "bad"), cond("Ready", "False", "ModelLoadFailed", "bad")}
	r := readinessOf(status(ModeKnative, 1, 1, failed, map[string]any{"modelStatus": map[string]any{
		"transitionStatus": "BlockedByFailedLoad",
		"lastFailureInfo":  map[string]any{"reason": "ModelLoadFailed", "message": "cannot read s3://x"},
	}}))
	if !r.Failed || r.Message != "cannot read s3://x" || r.Reason != "ModelLoadFailed" {
		t.Fatalf("failed: %+v", r)
	}
}

// In Standard mode KServe copies observedGeneration from the Deployment, so
// it says nothing about the InferenceService's generation; a canary's
// health is in status.canaryStatuses, not in Ready.
func TestReadinessStandard(t *testing.T) {
	ready := []any{cond("PredictorReady", "True", "", ""), cond("Ready", "True", "", ""), cond("Stopped", "False", "", "")}
	if r := readinessOf(status(ModeStandard, 3, 1, ready, nil)); !r.Ready {
		t.Fatalf("Standard: observedGeneration follows the Deployment and must be ignored: %+v", r)
	}
	withCanary := map[string]any{"canaryStatuses": []any{map[string]any{"name": "c-1", "ready": false, "trafficPercent": int64(10)}}}
	if r := readinessOf(status(ModeStandard, 1, 1, append(ready, cond("CanaryPredictorReady", "False", "CanariesNotReady", "")), withCanary)); r.Ready || r.Failed ||
		r.Reason != "CanaryPredictorReady: CanariesNotReady" {
		t.Fatalf("an unready canary leaves Ready True but the endpoint does not serve what was applied: %+v", r)
	}
	failed := []any{cond("PredictorReady", "False", "MinimumReplicasUnavailable", "no pod"), cond("Ready", "False", "", "")}
	r := readinessOf(status(ModeStandard, 1, 1, failed, map[string]any{"modelStatus": map[string]any{"transitionStatus": "BlockedByFailedLoad"}}))
	if r.Ready || r.Failed || r.Reason != "PredictorReady: MinimumReplicasUnavailable" {
		t.Fatalf("Standard: modelStatus looks at any one pod, maybe an old one, so it decides nothing: %+v", r)
	}
}

func TestTrafficOf(t *testing.T) {
	mk := func(traffic ...any) *unstructured.Unstructured {
		obj := status(ModeKnative, 1, 1, nil, map[string]any{"components": map[string]any{"predictor": map[string]any{"traffic": traffic}}})
		return obj
	}
	entry := func(p int64, tag string, latest bool) map[string]any {
		return map[string]any{"percent": p, "tag": tag, "latestRevision": latest}
	}
	standard := func(canaries ...int64) *unstructured.Unstructured {
		var list []any
		for i, p := range canaries {
			list = append(list, map[string]any{"name": fmt.Sprintf("c-%d", i), "ready": true, "trafficPercent": p})
		}
		return status(ModeStandard, 1, 1, nil, map[string]any{"canaryStatuses": list})
	}
	cases := []struct {
		obj  *unstructured.Unstructured
		want map[string]int64
	}{
		{mk(entry(100, "", true)), map[string]int64{"model": 100}},
		{mk(entry(90, "primary", false), entry(10, "canary", true)), map[string]int64{"model": 90, "canary": 10}},
		{mk(entry(75, "prev", false), entry(25, "latest", true)), map[string]int64{"model": 75, "canary": 25}},
		{mk(), map[string]int64{}},
		{standard(), map[string]int64{"model": 100}},
		{standard(10), map[string]int64{"model": 90, "canary": 10}},
		{standard(0), map[string]int64{"model": 100, "canary": 0}},
		{&unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": "e"}}}, map[string]int64{}},
	}
	for _, c := range cases {
		if got := trafficOf(c.obj); !reflect.DeepEqual(got, c.want) {
			t.Errorf("got %v want %v", got, c.want)
		}
	}
}

func TestModelChanged(t *testing.T) {
	a := modelSpec{StorageURI: "s3://m/1", Format: "mlflow", Ref: registryRefSpec{Alias: "x"}}
	b := a
	b.Ref = registryRefSpec{Alias: "y"}
	if modelChanged(a, b) {
		t.Fatal("a different reference to the same files is not a model change")
	}
	b.StorageURI = "s3://m/2"
	if !modelChanged(a, b) {
		t.Fatal("a new storage URI is a model change")
	}
}

// Which fields the provider owns is read from its parsed managedFields
// entry, never from a match on their text: the same field name under
// another path (the transformer's minReplicas), a longer name that holds a
// shorter one (envFrom, team-x), and another manager's fields are not the
// provider's.
func TestOwnedFieldsAreParsed(t *testing.T) {
	obj := &unstructured.Unstructured{Object: map[string]any{}}
	entry := func(manager, fields string) metav1.ManagedFieldsEntry {
		return metav1.ManagedFieldsEntry{Manager: manager, Operation: metav1.ManagedFieldsOperationApply,
			FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(fields)}}
	}
	obj.SetManagedFields([]metav1.ManagedFieldsEntry{
		entry(kube.FieldManager, `{"f:metadata":{"f:labels":{"f:team":{}}},"f:spec":{`+
			`"f:transformer":{"f:containers":{},"f:minReplicas":{}},`+
			`"f:predictor":{"f:model":{"f:storageUri":{},"f:envFrom":{}}}}}`),
		entry("kserve-webhook", `{"f:metadata":{"f:labels":{"f:team-x":{}}},"f:spec":{`+
			`"f:predictor":{"f:maxReplicas":{},"f:model":{"f:env":{},"f:resources":{}}}}}`),
	})
	owned := managedBy(obj, kube.FieldManager)
	if got, want := ownedFields(owned), map[string]bool{"env": false, "resources": false, "scaling": false}; !reflect.DeepEqual(got, want) {
		t.Errorf("owned spec fields: got %v, want %v", got, want)
	}
	if got, want := owned.keys("f:metadata", "f:labels"), map[string]bool{"team": true}; !reflect.DeepEqual(got, want) {
		t.Errorf("owned labels: got %v, want %v", got, want)
	}
	if !owned.has("f:spec", "f:predictor", "f:model", "f:storageUri") || owned.has("f:spec", "f:predictor", "f:maxReplicas") {
		t.Error("has does not follow the path of the provider's own entry")
	}
}
