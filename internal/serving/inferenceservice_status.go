package serving

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
)

// KServe's status of an InferenceService: its conditions, whether it is
// ready or has failed, the Standard canaries' statuses and the traffic
// split.

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
// Deployments and pods too: see servingReadiness.)
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
