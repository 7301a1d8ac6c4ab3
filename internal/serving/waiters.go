package serving

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/diags"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
)

// What KServe makes of a Standard-mode InferenceService.
var (
	deploymentGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	podGVR        = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
)

// waitReady waits, within ctx, until what spec asks for serves, fails for
// good, or ctx ends, and returns the last InferenceService seen. Errors name
// the last reason.
//
// In Knative mode that is the current generation's Ready condition. In
// Standard mode it is what KServe's status cannot tell (it follows the
// Deployment, and old pods keep it Ready during a rolling update): every
// predictor's Deployment (the stable one and each canary) runs the pods of
// what was applied, recognised by the model hash KServe copied from the
// predictor's annotations, and they are all available; KServe reports the
// endpoint Ready and each canary ready. A new pod that crashes fails the
// wait at once, with the container's exit code and message.
//
// A wait that runs out of time while the Kubernetes API server cannot be
// reached, or that the user interrupts (Ctrl-C), has seen nothing to judge
// by. After a create it is not an error:
// an error would make Terraform taint the endpoint and replace it on the next
// apply, though it may be serving. unconfirmed is then true and a warning
// says so; the endpoint records it, and the next plan resumes the wait.
func (r *endpointResource) waitReady(ctx context.Context, c *kube.Client, spec endpointSpec, op diags.Op, d *diag.Diagnostics) (last *unstructured.Unstructured, unconfirmed bool) {
	action := op.Verb()
	id := spec.id()
	last, rd, gone, err := waitServing(ctx, c, spec)
	switch {
	case op == diags.Create && diags.Unconfirmed(err):
		diags.AddCreatedUnconfirmed(d, "Endpoint created, readiness not confirmed", "InferenceService", id.String(), "the wait for it to become ready", err,
			"The next plan shows `ready` changing, and applying it resumes the wait; check the cluster's API server (and raise timeouts.create if it restarts slowly).")
		return last, true
	case gone:
		d.AddError(fmt.Sprintf("Error %s endpoint", action), fmt.Sprintf("The InferenceService %s was deleted while waiting for it to become ready.", id))
	case errors.Is(err, context.DeadlineExceeded):
		d.AddError(fmt.Sprintf("Error %s endpoint", action),
			fmt.Sprintf("The InferenceService %s did not become ready in time. Last condition: %s: %s.\n\n"+
				"The InferenceService exists and is recorded in the state. Raise timeouts.%s, or set wait_for_ready = false to return without waiting.",
				id, rd.Reason, rd.Message, op.Timeout()))
	case err != nil:
		addKubeError(d, action, id, err)
	case rd.Failed:
		d.AddError(fmt.Sprintf("Error %s endpoint", action),
			fmt.Sprintf("The InferenceService %s cannot become ready: %s: %s.\n\n"+
				"The endpoint stays in the state; fix the model (or its storage URI) and apply again.", id, rd.Reason, rd.Message))
	}
	return last, false
}

// waitServing is the wait of waitReady without diagnostics: the last
// InferenceService, the last readiness, whether it was deleted, and the
// error that ended the wait (ctx's when it ran out).
func waitServing(ctx context.Context, c *kube.Client, spec endpointSpec) (*unstructured.Unstructured, readiness, bool, error) {
	var last *unstructured.Unstructured
	var rd readiness
	gone := false
	err := c.Watch(ctx, servingQueries(spec), func(s kube.Snapshot) (bool, error) {
		obj := s.One(0, spec.Name)
		if obj == nil {
			gone = true
			return true, nil
		}
		last = obj
		rd = servingReadiness(spec, s)
		return rd.Ready || rd.Failed, nil
	})
	return last, rd, gone, err
}

// checkServing reads once whether what spec asks for still serves.
func checkServing(ctx context.Context, c *kube.Client, spec endpointSpec) (*unstructured.Unstructured, readiness, error) {
	s, err := c.Read(ctx, servingQueries(spec))
	if err != nil {
		return nil, readiness{}, err
	}
	obj := s.One(0, spec.Name)
	if obj == nil {
		return nil, readiness{Failed: true, Reason: "Deleted", Message: "the InferenceService was deleted"}, nil
	}
	return obj, servingReadiness(spec, s), nil
}

// servingQueries are what a wait watches: the InferenceService, and in
// Standard mode the Deployments and pods KServe labels with its name.
func servingQueries(spec endpointSpec) []kube.Query {
	q := []kube.Query{kube.Named(InferenceServiceGVR, spec.Namespace, spec.Name)}
	if spec.Mode != ModeKnative {
		sel := labelInferenceService + "=" + spec.Name
		q = append(q,
			kube.Query{GVR: deploymentGVR, Namespace: spec.Namespace, LabelSelector: sel},
			kube.Query{GVR: podGVR, Namespace: spec.Namespace, LabelSelector: sel})
	}
	return q
}

// servingReadiness judges a snapshot of servingQueries.
func servingReadiness(spec endpointSpec, s kube.Snapshot) readiness {
	obj := s.One(0, spec.Name)
	if spec.Mode == ModeKnative {
		return readinessOf(obj)
	}
	if rd := invalidSpec(obj, spec.staleStatus); rd.Failed {
		return rd
	}
	comps := spec.components()
	for _, comp := range comps {
		if rd := podsFailed(comp.what, comp.deployment, comp.hash, s[2]); rd.Failed {
			return rd
		}
		if rd := deploymentRolledOut(comp, s[1][comp.deployment]); !rd.Ready {
			if pending := podsUnschedulable(comp.what, comp.deployment, comp.hash, s[2]); pending.Reason != "" {
				return pending
			}
			return rd
		}
	}
	// KServe has seen the stable Deployment as it is now: it copies the
	// Deployment's Progressing condition into PredictorReady.
	if d := s[1][comps[0].deployment]; d != nil {
		for _, dc := range conditionsOf(d) {
			if dc.Type != "Progressing" || dc.Status != "True" || dc.Reason != "NewReplicaSetAvailable" {
				continue
			}
			for _, c := range conditionsOf(obj) {
				if c.Type == "PredictorReady" && (c.Reason != dc.Reason || c.Message != dc.Message) {
					return readiness{Reason: "PredictorReady", Message: "KServe has not yet seen the new pods of the Deployment " + comps[0].deployment}
				}
			}
		}
	}
	// KServe has reconciled the canary applied (or its removal).
	got := canaryStatusesOf(obj)
	switch {
	case spec.Canary == nil && len(got) > 0:
		return readiness{Reason: "CanaryPredictorReady", Message: "KServe still reports the canary " + got[0].Name}
	case spec.Canary != nil && (len(got) != 1 || got[0].Name != spec.canaryName() || got[0].TrafficPercent != spec.CanaryPercent):
		return readiness{Reason: "CanaryPredictorReady", Message: fmt.Sprintf("KServe does not yet report the canary %s at %d%%", spec.canaryName(), spec.CanaryPercent)}
	}
	return readinessOf(obj)
}

// component is one Deployment that KServe makes of a Standard endpoint, and
// the hash of what its pods must run.
type component struct {
	what, deployment, hash string
	// min is the replicas the Deployment must reach before it serves as
	// configured: the model's min_replicas under KServe's HPA, which raises
	// the Deployment's replicas only after the InferenceService is updated.
	min int64
}

// components are the Deployments of what spec asks for: the model's, the
// canary's and the transformer's.
func (e endpointSpec) components() []component {
	model := component{what: "model", deployment: e.deploymentName(e.PredictorName), hash: e.hash(e.Model)}
	if s := e.Scaling; s != nil && s.MinReplicas != nil && (s.Class == "" || s.Class == "hpa") {
		model.min = *s.MinReplicas
	}
	comps := []component{model}
	if e.Canary != nil {
		comps = append(comps, component{what: "canary", deployment: e.deploymentName(e.canaryName()), hash: e.hash(*e.Canary)})
	}
	if e.Transformer != nil {
		comps = append(comps, component{what: "transformer", deployment: e.Name + "-transformer", hash: e.Transformer.hash()})
	}
	return comps
}

// invalidSpec is KServe's verdict that the predictor cannot be served as
// written (status.modelStatus.transitionStatus InvalidSpec, such as
// NoSupportingRuntime): it fails the wait at once. A verdict that was
// already there before the apply (stale) is not trusted.
func invalidSpec(obj *unstructured.Unstructured, stale bool) readiness {
	transition, _, _ := unstructured.NestedString(obj.Object, "status", "modelStatus", "transitionStatus")
	if transition != "InvalidSpec" || stale {
		return readiness{}
	}
	reason, _, _ := unstructured.NestedString(obj.Object, "status", "modelStatus", "lastFailureInfo", "reason")
	msg, _, _ := unstructured.NestedString(obj.Object, "status", "modelStatus", "lastFailureInfo", "message")
	advice := "fix the model settings and apply again"
	switch reason {
	case "NoSupportingRuntime":
		advice = "set model.format to a format that a ServingRuntime or ClusterServingRuntime declares (mlops_serving_runtime adds one), or name a runtime with model.runtime"
	case "RuntimeNotRecognized", "RuntimeDisabled":
		advice = "set model.runtime to an enabled ServingRuntime in the namespace or a ClusterServingRuntime"
	}
	return readiness{Failed: true, Reason: "InvalidSpec: " + reason, Message: msg + "; " + advice}
}

// podsUnschedulable reports the scheduler's reason for a pod of deployment
// that runs what hash names and cannot be placed (PodScheduled=False), or
// nothing.
func podsUnschedulable(what, deployment, hash string, pods map[string]*unstructured.Unstructured) readiness {
	for _, n := range sortedNames(pods) {
		pod := pods[n]
		if pod.GetLabels()["app"] != "isvc."+deployment || pod.GetAnnotations()[annotationModelHash] != hash || pod.GetDeletionTimestamp() != nil {
			continue
		}
		for _, c := range conditionsOf(pod) {
			if c.Type == "PodScheduled" && c.Status == "False" {
				return readiness{Reason: "FailedScheduling", Message: fmt.Sprintf("the %s's pod %s cannot be scheduled (%s): %s", what, n, c.Reason, c.Message)}
			}
		}
	}
	return readiness{}
}

func sortedNames(objs map[string]*unstructured.Unstructured) []string {
	names := make([]string, 0, len(objs))
	for n := range objs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// podsFailed looks for a crashed container among the pods of deployment
// that run what hash names.
func podsFailed(what, deployment, hash string, pods map[string]*unstructured.Unstructured) readiness {
	for _, n := range sortedNames(pods) {
		pod := pods[n]
		if pod.GetLabels()["app"] != "isvc."+deployment || pod.GetAnnotations()[annotationModelHash] != hash || pod.GetDeletionTimestamp() != nil {
			continue
		}
		for _, field := range []string{"initContainerStatuses", "containerStatuses"} {
			list, _, _ := unstructured.NestedSlice(pod.Object, "status", field)
			for _, item := range list {
				cs, _ := item.(map[string]any)
				name, _ := cs["name"].(string)
				waiting, _, _ := unstructured.NestedString(cs, "state", "waiting", "reason")
				termReason, _, _ := unstructured.NestedString(cs, "state", "terminated", "reason")
				term, _, _ := unstructured.NestedMap(cs, "state", "terminated")
				if waiting == "CrashLoopBackOff" {
					term, _, _ = unstructured.NestedMap(cs, "lastState", "terminated")
				} else if termReason != "Error" {
					continue
				}
				exit := kube.Int64(term, "exitCode")
				msg, _ := term["message"].(string)
				detail := fmt.Sprintf("the %s's pod %s: container %s", what, n, name)
				if waiting != "" {
					detail += " is in " + waiting
				} else {
					detail += " failed"
				}
				if exit != nil {
					detail += fmt.Sprintf(" (exit code %d)", *exit)
				}
				if msg = strings.TrimSpace(msg); msg != "" {
					detail += ": " + msg
				}
				return readiness{Failed: true, Reason: "ModelLoadFailed", Message: detail}
			}
		}
	}
	return readiness{}
}

// deploymentRolledOut tells whether a predictor's Deployment runs what hash
// names on all its replicas, the way `kubectl rollout status` does.
func deploymentRolledOut(comp component, d *unstructured.Unstructured) readiness {
	what, name, hash := comp.what, comp.deployment, comp.hash
	if d == nil {
		return readiness{Reason: "NotCreated", Message: fmt.Sprintf("KServe has not yet created the Deployment %s of the %s", name, what)}
	}
	tmplHash, _, _ := unstructured.NestedString(d.Object, "spec", "template", "metadata", "annotations", annotationModelHash)
	if tmplHash != hash {
		return readiness{Reason: "NotUpdated", Message: fmt.Sprintf("KServe has not yet updated the Deployment %s to the %s applied", name, what)}
	}
	for _, c := range conditionsOf(d) {
		if c.Type == "Progressing" && c.Status == "False" && c.Reason == "ProgressDeadlineExceeded" {
			return readiness{Failed: true, Reason: "ProgressDeadlineExceeded", Message: fmt.Sprintf("the Deployment %s of the %s: %s", name, what, c.Message)}
		}
	}
	st, _, _ := unstructured.NestedMap(d.Object, "status")
	num := func(m map[string]any, k string) int64 {
		if v := kube.Int64(m, k); v != nil {
			return *v
		}
		return 0
	}
	want := int64(1)
	if v, ok, _ := unstructured.NestedInt64(d.Object, "spec", "replicas"); ok {
		want = v
	}
	want = max(want, comp.min)
	updated, available, total := num(st, "updatedReplicas"), num(st, "availableReplicas"), num(st, "replicas")
	switch {
	case num(st, "observedGeneration") < d.GetGeneration():
		return readiness{Reason: "Progressing", Message: fmt.Sprintf("the Deployment %s of the %s is being updated", name, what)}
	case updated < want:
		return readiness{Reason: "Progressing", Message: fmt.Sprintf("%d of %d new pods of the Deployment %s of the %s are created", updated, want, name, what)}
	case available < updated:
		return readiness{Reason: "Progressing", Message: fmt.Sprintf("%d of %d new pods of the Deployment %s of the %s are available", available, updated, name, what)}
	case total > updated:
		return readiness{Reason: "Progressing", Message: fmt.Sprintf("%d old pods of the Deployment %s of the %s are still terminating", total-updated, name, what)}
	}
	return readiness{Ready: true}
}
