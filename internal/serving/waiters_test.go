package serving

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
)

// The objects below have the shapes that KServe v0.20 and the Deployment
// controller write (seen on the local cluster); the tests pin how the wait
// reads them.

func deployment(name, hash string, replicas, updated, available, total int64, conds ...any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": name, "generation": int64(2)},
		"spec": map[string]any{
			"replicas": replicas,
			"template": map[string]any{"metadata": map[string]any{"annotations": map[string]any{annotationModelHash: hash}}},
		},
		"status": map[string]any{"observedGeneration": int64(2), "replicas": total, "updatedReplicas": updated,
			"availableReplicas": available, "conditions": conds},
	}}
}

func pod(name, deployment, hash string, containerStatus map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": name, "labels": map[string]any{"app": "isvc." + deployment},
			"annotations": map[string]any{annotationModelHash: hash}},
		"status": map[string]any{"containerStatuses": []any{containerStatus}},
	}}
}

var running = map[string]any{"name": kserveContainer, "ready": true, "state": map[string]any{"running": map[string]any{}}}

func crashing(code int64, msg string) map[string]any {
	return map[string]any{"name": kserveContainer, "ready": false,
		"state":     map[string]any{"waiting": map[string]any{"reason": "CrashLoopBackOff"}},
		"lastState": map[string]any{"terminated": map[string]any{"exitCode": code, "reason": "Error", "message": msg}}}
}

const progressed = `ReplicaSet "e-predictor-abc" has successfully progressed.`

func readyISVC(extra map[string]any, conds ...any) *unstructured.Unstructured {
	obj := status(ModeStandard, 5, 1, append([]any{
		cond("IngressReady", "True", "", ""),
		cond("PredictorReady", "True", "NewReplicaSetAvailable", progressed),
		cond("Ready", "True", "", ""),
	}, conds...), extra)
	obj.SetName("e")
	return obj
}

func snapshot(isvc *unstructured.Unstructured, objs ...*unstructured.Unstructured) kube.Snapshot {
	s := kube.Snapshot{{"e": isvc}, {}, {}}
	for _, o := range objs {
		if _, isPod := o.Object["spec"]; isPod {
			s[1][o.GetName()] = o
		} else {
			s[2][o.GetName()] = o
		}
	}
	return s
}

func TestServingReadinessStandard(t *testing.T) {
	spec := endpointSpec{Name: "e", Namespace: "ns", Mode: ModeStandard, Model: modelSpec{StorageURI: "s3://m/2", Format: "sklearn"}}
	h := spec.hash(spec.Model)
	done := cond("Progressing", "True", "NewReplicaSetAvailable", progressed)

	cases := []struct {
		name   string
		snap   kube.Snapshot
		ready  bool
		failed bool
		reason string
		msg    string
	}{
		{"rolled out", snapshot(readyISVC(nil), deployment("e-predictor", h, 1, 1, 1, 1, done), pod("p1", "e-predictor", h, running)),
			true, false, "", ""},
		{"KServe has not updated the Deployment yet: Ready is the old pods'", snapshot(readyISVC(nil), deployment("e-predictor", "old", 1, 1, 1, 1, done)),
			false, false, "NotUpdated", "has not yet updated the Deployment e-predictor"},
		{"old pods still serve", snapshot(readyISVC(nil), deployment("e-predictor", h, 1, 1, 0, 2)),
			false, false, "Progressing", "0 of 1 new pods"},
		{"old pods still terminating", snapshot(readyISVC(nil), deployment("e-predictor", h, 1, 1, 1, 2)),
			false, false, "Progressing", "1 old pods"},
		{"a new pod crash-loops", snapshot(readyISVC(nil), deployment("e-predictor", h, 1, 1, 0, 2),
			pod("old", "e-predictor", "old", running), pod("new", "e-predictor", h, crashing(3, "no model file"))),
			false, true, "ModelLoadFailed", "container kserve-container is in CrashLoopBackOff (exit code 3): no model file"},
		{"an old pod that crashed says nothing of the new model", snapshot(readyISVC(nil), deployment("e-predictor", h, 1, 1, 1, 1, done),
			pod("old", "e-predictor", "old", crashing(1, "")), pod("new", "e-predictor", h, running)),
			true, false, "", ""},
		{"progress deadline", snapshot(readyISVC(nil), deployment("e-predictor", h, 1, 1, 0, 1,
			cond("Progressing", "False", "ProgressDeadlineExceeded", "took too long"))),
			false, true, "ProgressDeadlineExceeded", "took too long"},
		{"KServe has not seen the rolled-out Deployment", snapshot(readyISVC(nil), deployment("e-predictor", h, 1, 1, 1, 1,
			cond("Progressing", "True", "NewReplicaSetAvailable", `ReplicaSet "e-predictor-new" has successfully progressed.`))),
			false, false, "PredictorReady", "has not yet seen the new pods"},
		{"KServe still reports a removed canary", snapshot(readyISVC(map[string]any{"canaryStatuses": []any{
			map[string]any{"name": "c-1", "ready": true, "trafficPercent": int64(10)}}}), deployment("e-predictor", h, 1, 1, 1, 1, done)),
			false, false, "CanaryPredictorReady", "still reports the canary c-1"},
	}
	for _, c := range cases {
		rd := servingReadiness(spec, c.snap)
		if rd.Ready != c.ready || rd.Failed != c.failed || (c.reason != "" && rd.Reason != c.reason) || !strings.Contains(rd.Message, c.msg) {
			t.Errorf("%s: got %+v, want ready=%v failed=%v reason %q message containing %q", c.name, rd, c.ready, c.failed, c.reason, c.msg)
		}
	}
}

func TestServingReadinessStandardCanary(t *testing.T) {
	canary := modelSpec{StorageURI: "s3://m/3", Format: "sklearn"}
	spec := endpointSpec{Name: "e", Namespace: "ns", Mode: ModeStandard, Model: modelSpec{StorageURI: "s3://m/2", Format: "sklearn"},
		Canary: &canary, CanaryPercent: 10}
	name := spec.canaryName()
	if !strings.HasPrefix(name, "c-") || len(name) != len("c-12345678") {
		t.Fatalf("canary name %q", name)
	}
	hm, hc := spec.hash(spec.Model), spec.hash(canary)
	if hm == hc {
		t.Fatal("the model and the canary must have different hashes")
	}
	done := cond("Progressing", "True", "NewReplicaSetAvailable", progressed)
	stable := deployment("e-predictor", hm, 1, 1, 1, 1, done)
	canaryDep := deployment("e-"+name+"-predictor", hc, 1, 1, 1, 1)
	statuses := func(ready bool, percent int64) map[string]any {
		return map[string]any{"canaryStatuses": []any{map[string]any{"name": name, "ready": ready, "trafficPercent": percent}}}
	}

	if rd := servingReadiness(spec, snapshot(readyISVC(statuses(true, 10)), stable, canaryDep)); !rd.Ready {
		t.Fatalf("canary rolled out and ready: %+v", rd)
	}
	if rd := servingReadiness(spec, snapshot(readyISVC(statuses(true, 50)), stable, canaryDep)); rd.Ready || !strings.Contains(rd.Message, "at 10%") {
		t.Fatalf("KServe reports the previous step's share: %+v", rd)
	}
	if rd := servingReadiness(spec, snapshot(readyISVC(statuses(false, 10), cond("CanaryPredictorReady", "False", "CanariesNotReady", "")), stable, canaryDep)); rd.Ready {
		t.Fatalf("KServe reports the canary not ready: %+v", rd)
	}
	crash := pod("c", "e-"+name+"-predictor", hc, crashing(1, ""))
	if rd := servingReadiness(spec, snapshot(readyISVC(statuses(false, 10)), stable, canaryDep, crash)); !rd.Failed ||
		!strings.Contains(rd.Message, "the canary's pod c") {
		t.Fatalf("a crashing canary pod fails the wait: %+v", rd)
	}
	if rd := servingReadiness(spec, snapshot(readyISVC(statuses(true, 10)), stable)); rd.Ready || rd.Reason != "NotCreated" {
		t.Fatalf("no canary Deployment yet: %+v", rd)
	}
}

// Promotion keeps the canary's Deployment: the promoted spec's predictor is
// named as the canary was, and its pods carry the same hash, so KServe need
// not restart them.
func TestPromotionKeepsTheCanaryDeployment(t *testing.T) {
	canary := modelSpec{StorageURI: "s3://m/3", Format: "sklearn"}
	step := endpointSpec{Name: "e", Namespace: "ns", Mode: ModeStandard, Model: modelSpec{StorageURI: "s3://m/2", Format: "sklearn"},
		Canary: &canary, CanaryPercent: 50, Labels: map[string]string{"team": "risk"}}
	promoted := step
	promoted.Model, promoted.Canary, promoted.PredictorName = canary, nil, step.canaryName()
	if promoted.deploymentName(promoted.PredictorName) != step.deploymentName(step.canaryName()) || promoted.hash(promoted.Model) != step.hash(canary) {
		t.Fatal("the promoted predictor must be the canary's Deployment with the canary's pods")
	}
	obj := promoted.toObject()
	name, _, _ := unstructured.NestedString(obj.Object, "spec", "predictor", "name")
	if _, found, _ := unstructured.NestedFieldNoCopy(obj.Object, "spec", "canary"); name != step.canaryName() || found {
		t.Fatalf("promoted object: predictor %q, canary present %v", name, found)
	}
	// The next canary never takes the stable predictor's name.
	next := promoted
	again := canary
	next.Canary = &again
	if next.canaryName() == next.PredictorName {
		t.Fatal("a canary of the same model as the stable predictor needs another name")
	}
}

// The transformer's Deployment is part of what the wait waits for; KServe's
// InvalidSpec verdict fails at once unless it was there before the apply;
// a pod the scheduler cannot place gives the scheduler's message.
func TestServingReadinessTransformerInvalidUnschedulable(t *testing.T) {
	spec := endpointSpec{Name: "e", Namespace: "ns", Mode: ModeStandard, Model: modelSpec{StorageURI: "s3://m/2", Format: "sklearn"},
		Transformer: &transformerSpec{Container: containerSpec{Image: "feat:1"}}}
	h, th := spec.hash(spec.Model), spec.Transformer.hash()
	done := cond("Progressing", "True", "NewReplicaSetAvailable", progressed)
	stable := deployment("e-predictor", h, 1, 1, 1, 1, done)
	if rd := servingReadiness(spec, snapshot(readyISVC(nil), stable, deployment("e-transformer", th, 1, 1, 1, 1, done))); !rd.Ready {
		t.Fatalf("model and transformer rolled out: %+v", rd)
	}
	if rd := servingReadiness(spec, snapshot(readyISVC(nil), stable, deployment("e-transformer", th, 1, 1, 0, 1))); rd.Ready ||
		!strings.Contains(rd.Message, "Deployment e-transformer of the transformer") {
		t.Fatalf("the transformer's pods are not available: %+v", rd)
	}
	if rd := servingReadiness(spec, snapshot(readyISVC(nil), stable)); rd.Ready || rd.Reason != "NotCreated" {
		t.Fatalf("no transformer Deployment yet: %+v", rd)
	}

	invalid := readyISVC(map[string]any{"modelStatus": map[string]any{"transitionStatus": "InvalidSpec",
		"lastFailureInfo": map[string]any{"reason": "NoSupportingRuntime", "message": "No runtime found to support specified framework/version"}}})
	plain := endpointSpec{Name: "e", Namespace: "ns", Mode: ModeStandard, Model: spec.Model}
	if rd := servingReadiness(plain, snapshot(invalid)); !rd.Failed || rd.Reason != "InvalidSpec: NoSupportingRuntime" ||
		!strings.Contains(rd.Message, "No runtime found") || !strings.Contains(rd.Message, "mlops_serving_runtime") {
		t.Fatalf("KServe's verdict: %+v", rd)
	}
	plain.staleStatus = true
	if rd := servingReadiness(plain, snapshot(invalid)); rd.Failed {
		t.Fatalf("a verdict from before the apply is not trusted: %+v", rd)
	}

	pending := pod("p1", "e-predictor", h, map[string]any{"name": kserveContainer})
	pending.Object["status"] = map[string]any{"phase": "Pending", "conditions": []any{cond("PodScheduled", "False", "Unschedulable",
		"0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint(s).")}}
	if rd := servingReadiness(plain, snapshot(readyISVC(nil), deployment("e-predictor", h, 1, 1, 0, 1), pending)); rd.Ready || rd.Reason != "FailedScheduling" ||
		!strings.Contains(rd.Message, "cannot be scheduled (Unschedulable): 0/2 nodes are available") {
		t.Fatalf("an unschedulable pod: %+v", rd)
	}
}
