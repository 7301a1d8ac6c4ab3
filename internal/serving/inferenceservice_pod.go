package serving

import (
	"context"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// What runs where: the pod settings of the predictor and the canary, a
// custom model server, and a transformer. KServe's PredictorSpec and
// TransformerSpec inline a Kubernetes PodSpec beside the component's
// extension spec (pkg/apis/serving/v1beta1/{predictor,component}.go).

// storageURIEnv is the variable through which a custom server's container
// tells KServe what to download into /mnt/models (KServe's
// CustomSpecStorageUriEnvVarKey).
const storageURIEnv = "STORAGE_URI"

// podSpec is what the provider sets on the predictor's and the canary's
// pods.
type podSpec struct {
	ServiceAccount   string
	NodeSelector     map[string]string
	Tolerations      []workload.Toleration
	ImagePullSecrets []string
	PriorityClass    string
}

// renderInto sets the pod settings on a predictor.
func (p *podSpec) renderInto(predictor map[string]any) {
	if p == nil {
		return
	}
	if p.ServiceAccount != "" {
		predictor["serviceAccountName"] = p.ServiceAccount
	}
	if len(p.NodeSelector) > 0 {
		predictor["nodeSelector"] = tfval.MapToAny(p.NodeSelector)
	}
	if len(p.Tolerations) > 0 {
		predictor["tolerations"] = workload.TolerationsList(p.Tolerations)
	}
	if len(p.ImagePullSecrets) > 0 {
		secrets := make([]any, len(p.ImagePullSecrets))
		for i, s := range p.ImagePullSecrets {
			secrets[i] = map[string]any{"name": s}
		}
		predictor["imagePullSecrets"] = secrets
	}
	if p.PriorityClass != "" {
		predictor["priorityClassName"] = p.PriorityClass
	}
}

// readPod reads the pod settings of a predictor; nil when it has none.
func readPod(predictor map[string]any) *podSpec {
	p := &podSpec{}
	p.ServiceAccount, _ = predictor["serviceAccountName"].(string)
	p.PriorityClass, _ = predictor["priorityClassName"].(string)
	p.NodeSelector, _, _ = unstructured.NestedStringMap(predictor, "nodeSelector")
	if list, ok := predictor["tolerations"].([]any); ok {
		p.Tolerations = workload.ReadTolerations(list)
	}
	if list, ok := predictor["imagePullSecrets"].([]any); ok {
		for _, item := range list {
			if m, ok := item.(map[string]any); ok {
				name, _ := m["name"].(string)
				p.ImagePullSecrets = append(p.ImagePullSecrets, name)
			}
		}
	}
	if p.ServiceAccount == "" && p.PriorityClass == "" && len(p.NodeSelector) == 0 && len(p.Tolerations) == 0 && len(p.ImagePullSecrets) == 0 {
		return nil
	}
	return p
}

// containerSpec is a container the user gives: a custom model server, or a
// transformer.
type containerSpec struct {
	Image          string
	Command, Args  []string
	Port           *int64
	Env            map[string]string
	EnvFromSecrets map[string]workload.SecretKey
	Resources      *workload.Resources
}

// toMap renders the container as KServe's kserve-container. A model
// server's storageURI goes in STORAGE_URI, from which KServe's storage
// initializer downloads the model into /mnt/models.
func (c containerSpec) toMap(storageURI string) map[string]any {
	out := map[string]any{"name": kserveContainer, "image": c.Image}
	if len(c.Command) > 0 {
		out["command"] = tfval.ToAny(c.Command)
	}
	if len(c.Args) > 0 {
		out["args"] = tfval.ToAny(c.Args)
	}
	if c.Port != nil {
		out["ports"] = []any{map[string]any{"containerPort": *c.Port, "protocol": "TCP"}}
	}
	env := c.Env
	if storageURI != "" {
		env = map[string]string{storageURIEnv: storageURI}
		for k, v := range c.Env {
			env[k] = v
		}
	}
	if list := workload.EnvList(env, c.EnvFromSecrets); len(list) > 0 {
		out["env"] = list
	}
	if r := c.Resources.Map(); r != nil {
		out["resources"] = r
	}
	return out
}

// readContainer reads the container named kserve-container of a
// component's containers, and the storage URI it was given.
func readContainer(component map[string]any) (*containerSpec, string) {
	list, _ := component["containers"].([]any)
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok || m["name"] != kserveContainer {
			continue
		}
		c := &containerSpec{Resources: workload.ReadResources(m)}
		c.Image, _ = m["image"].(string)
		c.Command, _, _ = unstructured.NestedStringSlice(m, "command")
		c.Args, _, _ = unstructured.NestedStringSlice(m, "args")
		if ports, ok := m["ports"].([]any); ok && len(ports) > 0 {
			if p, ok := ports[0].(map[string]any); ok {
				c.Port = kube.Int64(p, "containerPort")
			}
		}
		env, _ := m["env"].([]any)
		var uri string
		c.Env, c.EnvFromSecrets = workload.ReadEnv(env, func(name string) bool { return name == storageURIEnv })
		for _, e := range env {
			if kv, ok := e.(map[string]any); ok && kv["name"] == storageURIEnv {
				uri, _ = kv["value"].(string)
			}
		}
		return c, uri
	}
	return nil, ""
}

// transformerSpec is a transformer in front of the predictor: its own
// Deployment, {name}-transformer, made by KServe.
type transformerSpec struct {
	Container                containerSpec
	MinReplicas, MaxReplicas *int64
}

// toMap renders spec.transformer, with the annotations KServe copies onto
// its pods (the hash of what they run).
func (t transformerSpec) toMap(annotations map[string]any) map[string]any {
	out := map[string]any{"containers": []any{t.Container.toMap("")}, "annotations": annotations}
	setInt(out, "minReplicas", t.MinReplicas)
	setInt(out, "maxReplicas", t.MaxReplicas)
	return out
}

// readTransformer reads spec.transformer; nil without one.
func readTransformer(spec map[string]any) *transformerSpec {
	tm, ok := spec["transformer"].(map[string]any)
	if !ok {
		return nil
	}
	c, _ := readContainer(tm)
	if c == nil {
		return nil
	}
	return &transformerSpec{Container: *c, MinReplicas: kube.Int64(tm, "minReplicas"), MaxReplicas: kube.Int64(tm, "maxReplicas")}
}

// hash is a short digest of what the transformer's pods run.
func (t transformerSpec) hash() string {
	return digest(tfval.MustJSON(t.toMap(nil)))
}

// toMap renders spec.predictor.autoScaling: one External Prometheus
// metric, from which KServe makes KEDA's ScaledObject (trigger prometheus
// with serverAddress, query and threshold).
func (p prometheusSpec) toMap() map[string]any {
	return map[string]any{"metrics": []any{map[string]any{
		"type": "External",
		"external": map[string]any{
			"metric": map[string]any{"backend": "prometheus", "serverAddress": p.Server, "query": p.Query},
			"target": map[string]any{"type": "Value", "value": p.Target},
		},
	}}}
}

// readPrometheus reads the Prometheus metric of a predictor's autoScaling;
// nil without one.
func readPrometheus(predictor map[string]any) *prometheusSpec {
	metrics, _, _ := unstructured.NestedSlice(predictor, "autoScaling", "metrics")
	for _, item := range metrics {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		if backend, _, _ := unstructured.NestedString(m, "external", "metric", "backend"); backend != "prometheus" {
			continue
		}
		p := &prometheusSpec{}
		p.Server, _, _ = unstructured.NestedString(m, "external", "metric", "serverAddress")
		p.Query, _, _ = unstructured.NestedString(m, "external", "metric", "query")
		v, _, _ := unstructured.NestedFieldNoCopy(m, "external", "target", "value")
		p.Target = kube.Quantity(v)
		return p
	}
	return nil
}

// What KServe makes of a transformer, and does not delete when the
// transformer is removed from the spec (its controller only reconciles the
// components that the spec has; pkg/controller/v1beta1/inferenceservice,
// v0.20.0): the provider deletes them.
var transformerObjects = []schema.GroupVersionResource{
	deploymentGVR,
	{Version: "v1", Resource: "services"},
	{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"},
}

// removeTransformer deletes the transformer's Deployment, Service and
// autoscaler of the InferenceService isvc, those that it owns.
func removeTransformer(ctx context.Context, c *kube.Client, isvc *unstructured.Unstructured) error {
	name := isvc.GetName() + "-transformer"
	for _, gvr := range transformerObjects {
		obj, err := c.Get(ctx, gvr, isvc.GetNamespace(), name)
		if kube.IsObjectNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if !ownedBy(obj, isvc) {
			continue
		}
		if err := c.Delete(ctx, gvr, isvc.GetNamespace(), name); err != nil {
			return err
		}
	}
	return nil
}

func ownedBy(obj, owner *unstructured.Unstructured) bool {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.UID == owner.GetUID() {
			return true
		}
	}
	return false
}
