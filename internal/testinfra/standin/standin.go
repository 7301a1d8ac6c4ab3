// Package standin is TEST AND DEVELOPMENT INFRASTRUCTURE, not part of the
// provider and never linked into it: a stand-in for the KServe and Argo
// controllers, which cannot run here because nothing runs pods.
//
// It watches InferenceServices and CronWorkflows and writes their status the way KServe does
// in Standard and Knative mode (conditions Ready/PredictorReady, url,
// components.predictor.traffic, canary traffic, modelStatus,
// observedGeneration), and adds the defaults that KServe's webhook would add,
// so that tests prove the provider does not diff on them.
//
// Knobs, per object, as annotations (set by tests outside the provider):
//
//	standin.mlops.dev/fail: "true"                 every model fails to load
//	standin.mlops.dev/fail-storage-uris: "a,b"     models with these storage URIs fail to load
//	standin.mlops.dev/ready-delay: "3s"            a new generation becomes ready only after this
//
// and, per model, by its storage URI: a URI that contains "standin-fail"
// never loads (ModelLoadFailed), one that contains "standin-slow" stays
// loading (never ready).
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
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/robfig/cron/v3"
)

// Annotations the stand-in understands.
const (
	AnnotationFail        = "standin.mlops.dev/fail"
	AnnotationFailURIs    = "standin.mlops.dev/fail-storage-uris"
	AnnotationReadyDelay  = "standin.mlops.dev/ready-delay"
	deploymentModeAnnot   = "serving.kserve.io/deploymentMode"
	webhookFieldManager   = "kserve-webhook-standin"
	controllerFieldManger = "kserve-controller-standin"
)

// GVRs of the watched resources.
var (
	InferenceServiceGVR = schema.GroupVersionResource{Group: "serving.kserve.io", Version: "v1beta1", Resource: "inferenceservices"}
	CronWorkflowGVR     = schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "cronworkflows"}
)

// Controller reconciles the watched resources.
type Controller struct {
	dyn   dynamic.Interface
	log   *log.Logger
	queue workqueue.TypedRateLimitingInterface[key]
	serve *Server // development serving; nil when off

	mu        sync.Mutex
	firstSeen map[string]time.Time // namespace/name/generation -> when first reconciled
}

type key struct {
	gvr             schema.GroupVersionResource
	namespace, name string
}

// New returns a controller.
func New(dyn dynamic.Interface, logger *log.Logger) *Controller {
	return &Controller{
		dyn:       dyn,
		log:       logger,
		queue:     workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[key]()),
		firstSeen: map[string]time.Time{},
	}
}

// EnableServing turns on development serving (see serve.go).
func (c *Controller) EnableServing(s *Server) { c.serve = s }

// Run watches and reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	factory := dynamicinformer.NewDynamicSharedInformerFactory(c.dyn, 10*time.Minute)
	for _, gvr := range []schema.GroupVersionResource{InferenceServiceGVR, CronWorkflowGVR} {
		inf := factory.ForResource(gvr).Informer()
		_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { c.enqueue(gvr, obj) },
			UpdateFunc: func(_, obj any) { c.enqueue(gvr, obj) },
			DeleteFunc: func(obj any) {
				if u, ok := obj.(*unstructured.Unstructured); ok && c.serve != nil && gvr == InferenceServiceGVR {
					c.serve.forget(u.GetNamespace() + "/" + u.GetName())
				}
			},
		})
		if err != nil {
			return err
		}
	}
	factory.Start(ctx.Done())
	c.log.Print("watching InferenceServices and CronWorkflows")
	go func() {
		<-ctx.Done()
		c.queue.ShutDown()
		if c.serve != nil {
			c.serve.Stop()
		}
	}()
	for i := 0; i < 4; i++ {
		go c.worker(ctx)
	}
	<-ctx.Done()
	return nil
}

func (c *Controller) enqueue(gvr schema.GroupVersionResource, obj any) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	c.queue.Add(key{gvr: gvr, namespace: u.GetNamespace(), name: u.GetName()})
}

func (c *Controller) worker(ctx context.Context) {
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

func (c *Controller) reconcile(ctx context.Context, k key) (time.Duration, error) {
	obj, err := c.dyn.Resource(k.gvr).Namespace(k.namespace).Get(ctx, k.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if obj.GetDeletionTimestamp() != nil {
		return 0, nil
	}
	switch k.gvr {
	case InferenceServiceGVR:
		return c.reconcileInferenceService(ctx, obj)
	case CronWorkflowGVR:
		return c.reconcileCronWorkflow(ctx, obj)
	}
	return 0, nil
}

// ---- InferenceService ----

// webhookDefaults are what the stand-in's "webhook" adds to a predictor
// model that has no resources, as KServe's defaulter does.
var webhookDefaults = map[string]any{
	"requests": map[string]any{"cpu": "1", "memory": "2Gi"},
	"limits":   map[string]any{"cpu": "1", "memory": "2Gi"},
}

type modelState struct {
	storageURI string
	ready      bool
	failed     bool
	message    string
}

func (c *Controller) reconcileInferenceService(ctx context.Context, obj *unstructured.Unstructured) (time.Duration, error) {
	ri := c.dyn.Resource(InferenceServiceGVR).Namespace(obj.GetNamespace())

	// Defaults, as KServe's mutating webhook would add them.
	if _, found, _ := unstructured.NestedMap(obj.Object, "spec", "predictor", "model", "resources"); !found {
		patch := map[string]any{
			"metadata": map[string]any{"labels": map[string]any{"serving.kserve.io/inferenceservice": obj.GetName()}},
			"spec":     map[string]any{"predictor": map[string]any{"model": map[string]any{"resources": webhookDefaults}}},
		}
		data, _ := json.Marshal(patch)
		_, err := ri.Patch(ctx, obj.GetName(), types.MergePatchType, data, metav1.PatchOptions{FieldManager: webhookFieldManager})
		return 0, err // the update event brings the object back
	}

	name, ns, gen := obj.GetName(), obj.GetNamespace(), obj.GetGeneration()
	ann := obj.GetAnnotations()
	mode := ann[deploymentModeAnnot]
	if mode == "" {
		mode = "Standard"
	}
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

	procs := map[string]*modelProc{}
	state := func(storageURI string) modelState {
		if c.serve != nil && !failAll && !failURIs[storageURI] {
			return c.devState(obj, storageURI, procs)
		}
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
	}
	predictorURI, _, _ := unstructured.NestedString(obj.Object, "spec", "predictor", "model", "storageUri")
	predictor := state(predictorURI)

	oldStatus, _, _ := unstructured.NestedMap(obj.Object, "status")
	oldPredictor, _, _ := unstructured.NestedMap(oldStatus, "components", "predictor")
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }

	rev := func(g int64) string { return fmt.Sprintf("%s-predictor-%05d", name, g) }
	latest := rev(gen)
	rolledOut := str(oldPredictor, "latestRolledoutRevision")
	var traffic []any
	var canary *modelState
	canaryPercent := int64(0)

	if mode == "Knative" {
		// The newest revision serves canaryTrafficPercent; the last rolled-out
		// revision keeps the rest. Without it, the newest takes everything.
		p, hasCanary, _ := unstructured.NestedInt64(obj.Object, "spec", "predictor", "canaryTrafficPercent")
		if hasCanary && rolledOut != "" && rolledOut != latest && p < 100 {
			traffic = []any{
				map[string]any{"revisionName": rolledOut, "percent": 100 - p, "tag": "prev", "latestRevision": false},
				map[string]any{"revisionName": latest, "percent": p, "tag": "latest", "latestRevision": true},
			}
			canaryPercent = p
			cs := predictor
			canary = &cs
			predictor = modelState{storageURI: "", ready: true} // the previous revision keeps serving
		} else {
			traffic = []any{map[string]any{"revisionName": latest, "percent": int64(100), "latestRevision": true}}
			if predictor.ready {
				rolledOut = latest
			}
		}
	} else {
		canaries, _, _ := unstructured.NestedSlice(obj.Object, "spec", "canary")
		primary := int64(100)
		for i, item := range canaries {
			m, _ := item.(map[string]any)
			p, _ := m["trafficPercent"].(int64)
			uri, _, _ := unstructured.NestedString(m, "predictor", "model", "storageUri")
			cs := state(uri)
			if i == 0 {
				canary = &cs
			} else if !cs.ready {
				canary = &cs
			}
			canaryPercent += p
			primary -= p
			traffic = append(traffic, map[string]any{
				"revisionName": fmt.Sprintf("%s-canary-%d-%05d", name, i, gen), "percent": p, "tag": "canary", "latestRevision": true,
			})
		}
		traffic = append([]any{map[string]any{"revisionName": latest, "percent": primary, "tag": "primary", "latestRevision": len(canaries) == 0}}, traffic...)
		if predictor.ready {
			rolledOut = latest
		}
	}

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
	overall := predictor
	if canary != nil && !canary.ready {
		overall = *canary
	}
	conditions := []any{
		cond("IngressReady", modelState{ready: true}),
		cond("PredictorReady", predictor),
	}
	if canary != nil {
		conditions = append(conditions, cond("CanaryPredictorReady", *canary))
	}
	conditions = append(conditions, cond("Ready", overall))

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

	url := fmt.Sprintf("http://%s.%s.example.com", name, ns)
	if c.serve != nil {
		canaryURI := ""
		if canary != nil {
			canaryURI = canary.storageURI
		}
		if mode == "Knative" {
			canaryURI = "" // development serving routes Knative canaries to the newest model only
		}
		u, err := c.serve.route(ns+"/"+name, procs[predictorURI], procs[canaryURI], canaryPercent)
		if err != nil {
			return 0, err
		}
		url = u
	}
	predictorStatus := map[string]any{
		"url":                   url,
		"latestCreatedRevision": latest,
		"traffic":               traffic,
	}
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

	status := map[string]any{
		"observedGeneration": gen,
		"deploymentMode":     mode,
		"url":                url,
		"address":            map[string]any{"url": fmt.Sprintf("http://%s-predictor.%s.svc.cluster.local", name, ns)},
		"conditions":         conditions,
		"components":         map[string]any{"predictor": predictorStatus},
		"modelStatus":        modelStatus,
	}
	if reflect.DeepEqual(normalize(oldStatus), normalize(status)) {
		return requeueAfter(wait), nil
	}
	obj = obj.DeepCopy()
	obj.Object["status"] = status
	if _, err := ri.UpdateStatus(ctx, obj, metav1.UpdateOptions{FieldManager: controllerFieldManger}); err != nil {
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			return 0, nil // a newer version is queued, or it is gone
		}
		return 0, err
	}
	return requeueAfter(wait), nil
}

// devState is a model's state under development serving: the model server
// for its MLflow URI is started if needed, and is ready when it answers.
func (c *Controller) devState(obj *unstructured.Unstructured, storageURI string, procs map[string]*modelProc) modelState {
	uri := serveURI(obj, storageURI)
	if uri == "" {
		return modelState{storageURI: storageURI, failed: true,
			message: fmt.Sprintf("development serving loads MLflow models only (models:/, runs:/, mlflow-artifacts:/ or a registry reference), not %s", storageURI)}
	}
	k := key{gvr: InferenceServiceGVR, namespace: obj.GetNamespace(), name: obj.GetName()}
	m := c.serve.model(uri, func() { c.queue.Add(k) })
	procs[storageURI] = m
	switch {
	case m.failed.Load() != nil:
		return modelState{storageURI: storageURI, failed: true, message: *m.failed.Load()}
	case !m.ready.Load():
		return modelState{storageURI: storageURI, message: "the model server for " + uri + " is starting"}
	}
	return modelState{storageURI: storageURI, ready: true}
}

// serveURI is the MLflow URI to load for a storage URI: the registry
// version the provider recorded in its annotations when there is one, else
// the storage URI itself when MLflow can load it.
func serveURI(obj *unstructured.Unstructured, storageURI string) string {
	for _, a := range []string{"mlops.terraform.io/model", "mlops.terraform.io/canary"} {
		var ref struct {
			RegisteredModel string `json:"registered_model"`
			ResolvedVersion string `json:"resolved_version"`
			StorageURI      string `json:"storage_uri"`
		}
		if json.Unmarshal([]byte(obj.GetAnnotations()[a]), &ref) != nil || ref.RegisteredModel == "" || ref.ResolvedVersion == "" {
			continue
		}
		// The annotation names the model whose storage URI this is when the
		// URI is the version's own (no override).
		if ref.StorageURI == "" && (a == "mlops.terraform.io/model") == isPredictorURI(obj, storageURI) {
			return fmt.Sprintf("models:/%s/%s", ref.RegisteredModel, ref.ResolvedVersion)
		}
	}
	for _, scheme := range []string{"models:/", "runs:/", "mlflow-artifacts:/", "file:/", "/"} {
		if strings.HasPrefix(storageURI, scheme) {
			return storageURI
		}
	}
	return ""
}

func isPredictorURI(obj *unstructured.Unstructured, storageURI string) bool {
	u, _, _ := unstructured.NestedString(obj.Object, "spec", "predictor", "model", "storageUri")
	return u == storageURI
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

// ---- CronWorkflow ----

// reconcileCronWorkflow writes status as Argo's cron controller does: when
// the schedule is active it records a run as started now (lastScheduledTime),
// as if the schedule had fired once; a suspended schedule keeps what it had.
// An unparsable schedule gets a SpecError condition.
func (c *Controller) reconcileCronWorkflow(ctx context.Context, obj *unstructured.Unstructured) (time.Duration, error) {
	old, _, _ := unstructured.NestedMap(obj.Object, "status")
	status := map[string]any{"active": []any{}, "conditions": []any{}}
	if last, ok := old["lastScheduledTime"]; ok {
		status["lastScheduledTime"] = last
	}
	suspend, _, _ := unstructured.NestedBool(obj.Object, "spec", "suspend")
	schedules, _, _ := unstructured.NestedStringSlice(obj.Object, "spec", "schedules")
	var specErr string
	for _, sch := range schedules {
		if _, err := cronParser.Parse(sch); err != nil {
			specErr = fmt.Sprintf("invalid schedule %q: %v", sch, err)
		}
	}
	switch {
	case specErr != "":
		status["conditions"] = []any{map[string]any{"type": "SpecError", "status": "True", "message": specErr}}
		status["phase"] = "Stopped"
	case suspend:
		status["phase"] = "Stopped"
	default:
		status["phase"] = "Active"
		if _, ok := status["lastScheduledTime"]; !ok {
			status["lastScheduledTime"] = metav1.Now().UTC().Format(time.RFC3339)
		}
	}
	if reflect.DeepEqual(normalize(old), normalize(status)) {
		return 0, nil
	}
	obj = obj.DeepCopy()
	obj.Object["status"] = status
	_, err := c.dyn.Resource(CronWorkflowGVR).Namespace(obj.GetNamespace()).UpdateStatus(ctx, obj, metav1.UpdateOptions{FieldManager: "argo-controller-standin"})
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		return 0, nil
	}
	return 0, err
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
