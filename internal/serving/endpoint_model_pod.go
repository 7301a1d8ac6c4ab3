package serving

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// expand and flatten of what runs where: pod, container, transformer,
// request timeout, concurrency and the autoscaler.

// expandRunning reads the pod, the transformer, the timeout and the
// concurrency of the plan into e.
func expandRunning(ctx context.Context, m endpointModel, e *endpointSpec, d *diag.Diagnostics) {
	var pm podModel
	if workload.ObjectOf(ctx, m.Pod, &pm, d) {
		e.Pod = &podSpec{
			ServiceAccount: pm.ServiceAccount.ValueString(), PriorityClass: pm.PriorityClass.ValueString(),
			NodeSelector: tfval.StringMapOf(ctx, pm.NodeSelector, d), Tolerations: workload.TolerationsOf(ctx, pm.Tolerations, d),
			ImagePullSecrets: tfval.StringListOf(ctx, pm.ImagePullSecrets, d),
		}
	}
	var tm transformerModel
	if workload.ObjectOf(ctx, m.Transformer, &tm, d) {
		c := containerOf(ctx, tm.containerModel, d)
		e.Transformer = &transformerSpec{Container: c, MinReplicas: tm.MinReplicas.ValueInt64Pointer(), MaxReplicas: tm.MaxReplicas.ValueInt64Pointer()}
	}
	if !m.RequestTimeout.IsNull() && !m.RequestTimeout.IsUnknown() {
		if t, err := time.ParseDuration(m.RequestTimeout.ValueString()); err == nil {
			secs := int64(t / time.Second)
			e.Timeout = &secs
		}
	}
	e.Concurrency = m.Concurrency.ValueInt64Pointer()
}

// expandContainer reads a custom server's container; nil without one.
func expandContainer(ctx context.Context, o types.Object, d *diag.Diagnostics) *containerSpec {
	var cm containerModel
	if !workload.ObjectOf(ctx, o, &cm, d) {
		return nil
	}
	c := containerOf(ctx, cm, d)
	return &c
}

func containerOf(ctx context.Context, cm containerModel, d *diag.Diagnostics) containerSpec {
	return containerSpec{
		Image: cm.Image.ValueString(), Command: tfval.StringListOf(ctx, cm.Command, d), Args: tfval.StringListOf(ctx, cm.Args, d),
		Port: cm.Port.ValueInt64Pointer(), Env: tfval.StringMapOf(ctx, cm.Env, d),
		EnvFromSecrets: workload.SecretKeysOf(ctx, cm.EnvFromSecrets, d), Resources: workload.ResourcesOf(ctx, cm.Resources, d),
	}
}

// flattenRunning copies the pod, the container, the transformer, the
// timeout and the concurrency from the live object into m. Each is
// reported when the state had it or the live object has it (only the
// provider sets them).
func flattenRunning(ctx context.Context, live endpointSpec, m *endpointModel, d *diag.Diagnostics) {
	m.Pod = flattenPod(ctx, live.Pod, m.Pod, d)
	var priorContainer containerModel
	workload.ObjectOf(ctx, m.Container, &priorContainer, d)
	m.Container = types.ObjectNull(containerAttrTypes)
	if c := live.Model.Container; c != nil {
		m.Container = objectValue(ctx, containerAttrTypes, flattenContainer(ctx, *c, priorContainer, false, d), d)
	}
	var prior transformerModel
	workload.ObjectOf(ctx, m.Transformer, &prior, d)
	m.Transformer = types.ObjectNull(transformerAttrTypes)
	if t := live.Transformer; t != nil {
		c := flattenContainer(ctx, t.Container, prior.containerModel, false, d)
		m.Transformer = objectValue(ctx, transformerAttrTypes, transformerModel{c, types.Int64PointerValue(t.MinReplicas), types.Int64PointerValue(t.MaxReplicas)}, d)
	}
	m.RequestTimeout = flattenSeconds(live.Timeout, m.RequestTimeout)
	m.Concurrency = types.Int64PointerValue(live.Concurrency)
}

func flattenPod(ctx context.Context, p *podSpec, prior types.Object, d *diag.Diagnostics) types.Object {
	if p == nil && (prior.IsNull() || prior.IsUnknown()) {
		return types.ObjectNull(podAttrTypes)
	}
	if p == nil { // configured with nothing to apply, such as pod = {} or empty collections
		p = &podSpec{}
	}
	var pm podModel
	workload.ObjectOf(ctx, prior, &pm, d)
	if prior.IsNull() || prior.IsUnknown() {
		pm = podModel{NodeSelector: types.MapNull(types.StringType), Tolerations: types.ListNull(workload.TolerationType), ImagePullSecrets: types.ListNull(types.StringType)}
	}
	return types.ObjectValueMust(podAttrTypes, map[string]attr.Value{
		"service_account": tfval.OptString(p.ServiceAccount), "priority_class": tfval.OptString(p.PriorityClass),
		"node_selector": tfval.MapOrNull(p.NodeSelector, pm.NodeSelector), "tolerations": workload.TolerationsValue(p.Tolerations, pm.Tolerations),
		"image_pull_secrets": tfval.ListOrNull(p.ImagePullSecrets, pm.ImagePullSecrets),
	})
}

func flattenContainer(ctx context.Context, c containerSpec, prior containerModel, ownedResources bool, d *diag.Diagnostics) containerModel {
	if prior.Image.IsNull() { // nothing before (import): every collection null unless set
		prior = containerModel{Command: types.ListNull(types.StringType), Args: types.ListNull(types.StringType), Env: types.MapNull(types.StringType),
			EnvFromSecrets: types.MapNull(workload.SecretKeyType), Resources: types.ObjectNull(workload.ResourcesAttrTypes)}
	}
	out := containerModel{
		Image: types.StringValue(c.Image), Command: tfval.ListOrNull(c.Command, prior.Command), Args: tfval.ListOrNull(c.Args, prior.Args),
		Port: types.Int64PointerValue(c.Port), Env: tfval.MapOrNull(c.Env, prior.Env),
		EnvFromSecrets: workload.SecretKeysValue(c.EnvFromSecrets, prior.EnvFromSecrets), Resources: types.ObjectNull(workload.ResourcesAttrTypes),
	}
	// KServe's webhook gives a component's container default resources:
	// report them only when they were configured or the provider applied them.
	if !prior.Resources.IsNull() || ownedResources {
		out.Resources = workload.ResourcesValue(ctx, c.Resources, prior.Resources, d)
	}
	return out
}

// flattenSeconds is a timeout in seconds as the duration the state had when
// it is the same length (so "2m" stays "2m"), else in seconds.
func flattenSeconds(secs *int64, prior types.String) types.String {
	if secs == nil {
		return types.StringNull()
	}
	if !prior.IsNull() && !prior.IsUnknown() {
		if t, err := time.ParseDuration(prior.ValueString()); err == nil && t == time.Duration(*secs)*time.Second {
			return prior
		}
	}
	return types.StringValue(fmt.Sprintf("%ds", *secs))
}

// flattenScaling is the live scaling as the state records it: reported when
// configured or owned by the provider.
func flattenScaling(s *scalingSpec, prior types.Object, owned bool) types.Object {
	if s == nil || (prior.IsNull() && !owned && s.Class == "") {
		return types.ObjectNull(scalingAttrTypes)
	}
	prometheus := types.ObjectNull(prometheusAttrTypes)
	if p := s.Prometheus; p != nil {
		prometheus = types.ObjectValueMust(prometheusAttrTypes, map[string]attr.Value{
			"server": types.StringValue(p.Server), "query": types.StringValue(p.Query), "target": types.StringValue(p.Target)})
	}
	return types.ObjectValueMust(scalingAttrTypes, map[string]attr.Value{
		"min_replicas": types.Int64PointerValue(s.MinReplicas),
		"max_replicas": types.Int64PointerValue(s.MaxReplicas),
		"metric":       tfval.OptString(s.Metric),
		"target":       types.Int64PointerValue(s.Target),
		"class":        tfval.OptString(s.Class),
		"prometheus":   prometheus,
	})
}

// splitAutoscalerClass decides whether the autoscaler class annotation the
// provider applied is the user's annotation or scaling.class: an
// annotation when the state had it among the annotations.
func splitAutoscalerClass(live *endpointSpec, priorAnnotations types.Map) {
	class, ok := live.Annotations[annotationAutoscalerClass]
	if !ok {
		return
	}
	if annotationSet(priorAnnotations, annotationAutoscalerClass) {
		if live.Scaling != nil {
			live.Scaling.Class = ""
		}
		return
	}
	delete(live.Annotations, annotationAutoscalerClass)
	if len(live.Annotations) == 0 {
		live.Annotations = nil
	}
	if live.Scaling == nil {
		live.Scaling = &scalingSpec{}
	}
	live.Scaling.Class = class
}
