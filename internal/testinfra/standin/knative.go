// Package standin is TEST AND DEVELOPMENT INFRASTRUCTURE, not part of the
// provider and never linked into it. It holds the two parts of KServe that
// cannot run on this machine:
//
//   - knative.go: a stand-in for KServe's Knative mode, which needs Knative
//     Serving (not available here). It writes the status of Knative-mode
//     InferenceServices only; KServe's real controller handles every
//     Standard-mode one, and this never touches those.
//   - devserving.go: a development data plane that serves Standard-mode
//     models for real with MLflow's model server, following what KServe
//     created. It never writes status.
//
// Knobs of the Knative stand-in, per object, as annotations (set by tests):
//
//	standin.mlops.dev/fail: "true"                 every model fails to load
//	standin.mlops.dev/fail-storage-uris: "a,b"     models with these storage URIs fail to load
//	standin.mlops.dev/ready-delay: "3s"            a new generation becomes ready only after this
//
// and, per model, by its storage URI: a URI that contains "standin-fail"
// never loads (ModelLoadFailed), one that contains "standin-slow" stays
// loading (never ready).
//
// It imports nothing of the provider's.
package standin

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"reflect"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Annotations the stand-in understands.
const (
	AnnotationFail        = "standin.mlops.dev/fail"
	AnnotationFailURIs    = "standin.mlops.dev/fail-storage-uris"
	AnnotationReadyDelay  = "standin.mlops.dev/ready-delay"
	deploymentModeAnnot   = "serving.kserve.io/deploymentMode"
	controllerFieldManger = "kserve-knative-standin"
)

// InferenceServiceGVR is KServe's InferenceService.
var InferenceServiceGVR = schema.GroupVersionResource{Group: "serving.kserve.io", Version: "v1beta1", Resource: "inferenceservices"}

// isKnative tells whether an InferenceService asks for Knative mode, the
// only mode the stand-in handles.
func isKnative(obj *unstructured.Unstructured) bool {
	switch obj.GetAnnotations()[deploymentModeAnnot] {
	case "Knative", "Serverless":
		return true
	}
	return false
}

// KnativeStandIn writes the status of Knative-mode InferenceServices.
type KnativeStandIn struct {
	dyn   dynamic.Interface
	log   *log.Logger
	queue workqueue.TypedRateLimitingInterface[key]

	mu        sync.Mutex
	firstSeen map[string]time.Time // namespace/name/generation -> when first reconciled
}

type key struct{ namespace, name string }

// NewKnativeStandIn returns the stand-in.
func NewKnativeStandIn(dyn dynamic.Interface, logger *log.Logger) *KnativeStandIn {
	return &KnativeStandIn{
		dyn:       dyn,
		log:       logger,
		queue:     workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[key]()),
		firstSeen: map[string]time.Time{},
	}
}

// Run watches and reconciles until ctx ends.
func (c *KnativeStandIn) Run(ctx context.Context) error {
	factory := dynamicinformer.NewDynamicSharedInformerFactory(c.dyn, 10*time.Minute)
	inf := factory.ForResource(InferenceServiceGVR).Informer()
	enqueue := func(obj any) {
		if u, ok := obj.(*unstructured.Unstructured); ok && isKnative(u) {
			c.queue.Add(key{namespace: u.GetNamespace(), name: u.GetName()})
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
	}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	c.log.Print("writing the status of Knative-mode InferenceServices (stand-in: no Knative here)")
	go func() {
		<-ctx.Done()
		c.queue.ShutDown()
	}()
	for i := 0; i < 4; i++ {
		go c.worker(ctx)
	}
	<-ctx.Done()
	return nil
}

func (c *KnativeStandIn) worker(ctx context.Context) {
	for {
		k, quit := c.queue.Get()
		if quit {
			return
		}
		requeue, err := c.reconcile(ctx, k)
		switch {
		case err != nil:
			c.log.Printf("%s/%s: %v", k.namespace, k.name, err)
			c.queue.AddRateLimited(k)
		case requeue > 0:
			c.queue.Forget(k)
			c.queue.AddAfter(k, requeue)
		default:
			c.queue.Forget(k)
		}
		c.queue.Done(k)
	}
}

type modelState struct {
	storageURI string
	ready      bool
	failed     bool
	message    string
}

func (c *KnativeStandIn) reconcile(ctx context.Context, k key) (time.Duration, error) {
	ri := c.dyn.Resource(InferenceServiceGVR).Namespace(k.namespace)
	obj, err := ri.Get(ctx, k.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if obj.GetDeletionTimestamp() != nil || !isKnative(obj) {
		return 0, nil
	}
	state, wait := c.knobs(obj)
	oldStatus, _, _ := unstructured.NestedMap(obj.Object, "status")
	status := knativeStatus(obj, oldStatus, state)
	if reflect.DeepEqual(normalize(oldStatus), normalize(status)) {
		return requeueAfter(wait), nil
	}
	obj = obj.DeepCopy()
	obj.Object["status"] = status
	if _, err := ri.UpdateStatus(ctx, obj, metav1.UpdateOptions{FieldManager: controllerFieldManger}); err != nil {
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			return time.Second, nil // a newer version is queued, or it is gone; KServe may have raced us
		}
		return 0, err
	}
	return requeueAfter(wait), nil
}

// knobs reads the stand-in's annotations on the InferenceService: it
// returns how a model of a storage URI fares now, and how long until the
// ready delay has passed.
func (c *KnativeStandIn) knobs(obj *unstructured.Unstructured) (func(string) modelState, time.Duration) {
	name, ns, gen := obj.GetName(), obj.GetNamespace(), obj.GetGeneration()
	ann := obj.GetAnnotations()
	failAll := ann[AnnotationFail] == "true"
	failURIs := map[string]bool{}
	for _, u := range strings.Split(ann[AnnotationFailURIs], ",") {
		if u = strings.TrimSpace(u); u != "" {
			failURIs[u] = true
		}
	}
	var delay time.Duration
	if d, err := time.ParseDuration(ann[AnnotationReadyDelay]); err == nil {
		delay = d
	}
	seenKey := fmt.Sprintf("%s/%s/%d", ns, name, gen)
	c.mu.Lock()
	first, ok := c.firstSeen[seenKey]
	if !ok {
		first = time.Now()
		c.firstSeen[seenKey] = first
	}
	c.mu.Unlock()
	wait := time.Until(first.Add(delay))
	return func(storageURI string) modelState {
		switch {
		case failAll || failURIs[storageURI] || strings.Contains(storageURI, "standin-fail"):
			return modelState{storageURI: storageURI, failed: true,
				message: fmt.Sprintf("failed to load the model from %s: the storage initializer could not read the artifacts (stand-in knob)", storageURI)}
		case strings.Contains(storageURI, "standin-slow"):
			return modelState{storageURI: storageURI, message: "the model " + storageURI + " is still loading (stand-in knob)"}
		case wait > 0:
			return modelState{storageURI: storageURI, message: "the model is loading"}
		default:
			return modelState{storageURI: storageURI, ready: true}
		}
	}, wait
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// knativeStatus is the status Knative-mode KServe would report for obj.
func knativeStatus(obj *unstructured.Unstructured, oldStatus map[string]any, state func(string) modelState) map[string]any {
	name, ns, gen := obj.GetName(), obj.GetNamespace(), obj.GetGeneration()
	predictorURI, _, _ := unstructured.NestedString(obj.Object, "spec", "predictor", "model", "storageUri")
	predictor := state(predictorURI)
	oldPredictor, _, _ := unstructured.NestedMap(oldStatus, "components", "predictor")
	latest := fmt.Sprintf("%s-predictor-%05d", name, gen)
	rolledOut := str(oldPredictor, "latestRolledoutRevision")
	var traffic []any
	var canary *modelState

	// The newest revision serves canaryTrafficPercent; the last rolled-out
	// revision keeps the rest. Without it, the newest takes everything.
	p, hasCanary, _ := unstructured.NestedInt64(obj.Object, "spec", "predictor", "canaryTrafficPercent")
	if hasCanary && rolledOut != "" && rolledOut != latest && p < 100 {
		traffic = []any{
			map[string]any{"revisionName": rolledOut, "percent": 100 - p, "tag": "prev", "latestRevision": false},
			map[string]any{"revisionName": latest, "percent": p, "tag": "latest", "latestRevision": true},
		}
		cs := predictor
		canary = &cs
		predictor = modelState{storageURI: "", ready: true} // the previous revision keeps serving
	} else {
		traffic = []any{map[string]any{"revisionName": latest, "percent": int64(100), "latestRevision": true}}
		if predictor.ready {
			rolledOut = latest
		}
	}
	overall := predictor
	if canary != nil && !canary.ready {
		overall = *canary
	}
	url := fmt.Sprintf("http://%s.%s.example.com", name, ns)
	predictorStatus := map[string]any{"url": url, "latestCreatedRevision": latest, "traffic": traffic}
	if overall.ready || (canary != nil && predictor.ready) {
		predictorStatus["latestReadyRevision"] = latest
	}
	if rolledOut != "" {
		predictorStatus["latestRolledoutRevision"] = rolledOut
	}
	if prev := str(oldPredictor, "latestRolledoutRevision"); prev != "" && prev != rolledOut {
		predictorStatus["previousRolledoutRevision"] = prev
	} else if p := str(oldPredictor, "previousRolledoutRevision"); p != "" {
		predictorStatus["previousRolledoutRevision"] = p
	}
	return map[string]any{
		"observedGeneration": gen,
		"deploymentMode":     "Knative",
		"url":                url,
		"address":            map[string]any{"url": fmt.Sprintf("http://%s-predictor.%s.svc.cluster.local", name, ns)},
		"conditions":         knativeConditions(oldStatus, overall),
		"components":         map[string]any{"predictor": predictorStatus},
		"modelStatus":        knativeModelStatus(overall),
	}
}

// knativeConditions are the InferenceService's conditions for the state
// of what it serves; a condition that did not change keeps its time.
func knativeConditions(oldStatus map[string]any, overall modelState) []any {
	now := metav1.Now().UTC().Format(time.RFC3339)
	oldConds := map[string]map[string]any{}
	if list, ok := oldStatus["conditions"].([]any); ok {
		for _, item := range list {
			if m, ok := item.(map[string]any); ok {
				oldConds[str(m, "type")] = m
			}
		}
	}
	cond := func(t string, s modelState) map[string]any {
		status, reason, msg := "True", "", ""
		switch {
		case s.failed:
			status, reason, msg = "False", "ModelLoadFailed", s.message
		case !s.ready:
			status, reason, msg = "Unknown", "Progressing", s.message
		}
		m := map[string]any{"type": t, "status": status, "lastTransitionTime": now}
		if reason != "" {
			m["reason"], m["message"] = reason, msg
		}
		if old, ok := oldConds[t]; ok && old["status"] == status && old["reason"] == m["reason"] && old["message"] == m["message"] {
			m["lastTransitionTime"] = old["lastTransitionTime"]
		}
		return m
	}
	return []any{cond("IngressReady", modelState{ready: true}), cond("PredictorReady", overall), cond("Ready", overall)}
}

// knativeModelStatus is the modelStatus for the state of what is served.
func knativeModelStatus(overall modelState) map[string]any {
	transition, active := "UpToDate", "Loaded"
	switch {
	case overall.failed:
		transition, active = "BlockedByFailedLoad", "FailedToLoad"
	case !overall.ready:
		transition, active = "InProgress", "Loading"
	}
	modelStatus := map[string]any{
		"transitionStatus": transition,
		"states":           map[string]any{"activeModelState": active, "targetModelState": active},
	}
	if overall.failed {
		modelStatus["lastFailureInfo"] = map[string]any{"reason": "ModelLoadFailed", "message": overall.message}
	}
	return modelStatus
}

func requeueAfter(wait time.Duration) time.Duration {
	if wait > 0 {
		return wait + 10*time.Millisecond
	}
	return 0
}

// normalize makes a status comparable: JSON round trip (int64 vs float64).
func normalize(m map[string]any) any {
	data, _ := json.Marshal(m)
	var out any
	_ = json.Unmarshal(data, &out)
	return out
}
