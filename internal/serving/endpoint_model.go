package serving

import (
	"context"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// expand turns the planned model into the spec to apply. The resolved
// values must be known (the plan resolved them).
func expand(ctx context.Context, m endpointModel, d *diag.Diagnostics) endpointSpec {
	e := endpointSpec{Name: m.Name.ValueString(), Namespace: m.Namespace.ValueString(), Mode: m.DeploymentMode.ValueString(),
		Labels: tfval.StringMapOf(ctx, m.Labels, d), Annotations: tfval.StringMapOf(ctx, m.Annotations, d)}
	var mm modelModel
	d.Append(tfval.As(ctx, m.Model, &mm)...)
	e.Model = modelSpec{
		StorageURI:    mm.ResolvedStorageURI.ValueString(),
		Format:        mm.Format.ValueString(),
		FormatVersion: mm.FormatVersion.ValueString(),
		Runtime:       mm.Runtime.ValueString(),
		Protocol:      mm.Protocol.ValueString(),
		Ref: registryRefSpec{
			RegisteredModel: mm.RegisteredModel.ValueString(), Version: mm.Version.ValueString(),
			Alias: mm.Alias.ValueString(), ResolvedVersion: mm.ResolvedVersion.ValueString(), StorageURI: mm.StorageURI.ValueString(),
		},
	}
	e.Model.Env = tfval.StringMapOf(ctx, mm.Env, d)
	e.Model.EnvFromSecrets = workload.SecretKeysOf(ctx, mm.EnvFromSecrets, d)
	e.Model.Args = tfval.StringListOf(ctx, mm.Args, d)
	e.Model.Resources = workload.ResourcesOf(ctx, mm.Resources, d)
	e.Model.Container = expandContainer(ctx, m.Container, d)
	expandRunning(ctx, m, &e, d)
	if !m.Canary.IsNull() && !m.Canary.IsUnknown() {
		var cm canaryModel
		d.Append(tfval.As(ctx, m.Canary, &cm)...)
		c := e.Model // the canary serves with the model's format, runtime and resources
		c.StorageURI = cm.ResolvedStorageURI.ValueString()
		c.Ref = registryRefSpec{
			RegisteredModel: cm.RegisteredModel.ValueString(), Version: cm.Version.ValueString(),
			Alias: cm.Alias.ValueString(), ResolvedVersion: cm.ResolvedVersion.ValueString(), StorageURI: cm.StorageURI.ValueString(),
		}
		e.Canary = &c
		e.CanaryPercent = cm.TrafficPercent.ValueInt64()
	}
	if !m.Logger.IsNull() && !m.Logger.IsUnknown() {
		var lm loggerModel
		d.Append(tfval.As(ctx, m.Logger, &lm)...)
		e.Logger = &loggerSpec{URL: lm.URL.ValueString(), Mode: lm.Mode.ValueString()}
		e.Logger.MetadataHeaders = tfval.StringListOf(ctx, lm.MetadataHeaders, d)
	}
	if !m.Batcher.IsNull() && !m.Batcher.IsUnknown() {
		var bm batcherModel
		d.Append(tfval.As(ctx, m.Batcher, &bm)...)
		e.Batcher = &batcherSpec{MaxBatchSize: bm.MaxBatchSize.ValueInt64Pointer(), MaxLatency: bm.MaxLatency.ValueInt64Pointer(), Timeout: bm.Timeout.ValueInt64Pointer()}
	}
	if !m.Scaling.IsNull() && !m.Scaling.IsUnknown() {
		var sm scalingModel
		d.Append(tfval.As(ctx, m.Scaling, &sm)...)
		e.Scaling = &scalingSpec{
			MinReplicas: sm.MinReplicas.ValueInt64Pointer(), MaxReplicas: sm.MaxReplicas.ValueInt64Pointer(),
			Target: sm.Target.ValueInt64Pointer(), Metric: sm.Metric.ValueString(), Class: sm.Class.ValueString(),
		}
		var pm prometheusModel
		if workload.ObjectOf(ctx, sm.Prometheus, &pm, d) {
			e.Scaling.Prometheus = &prometheusSpec{Server: pm.Server.ValueString(), Query: pm.Query.ValueString(), Target: pm.Target.ValueString()}
		}
	}
	return e
}

// flatten copies what the provider manages from the live object into m.
// Optional attributes that were null stay null unless the live object has a
// value the provider owns (so KServe's defaults cause no diff, and an import
// recovers what the provider had applied).
func flatten(ctx context.Context, obj *unstructured.Unstructured, m *endpointModel, d *diag.Diagnostics) {
	fields := managedBy(obj, kube.FieldManager)
	live := fromOwnedObject(obj, fields)
	splitAutoscalerClass(&live, m.Annotations)
	owned := ownedFields(fields)
	m.ID = types.StringValue(live.id().String())
	m.Name = types.StringValue(live.Name)
	m.Namespace = types.StringValue(live.Namespace)
	m.DeploymentMode = types.StringValue(live.Mode)
	m.Labels = tfval.MapOrNull(live.Labels, m.Labels)
	m.Annotations = tfval.MapOrNull(live.Annotations, m.Annotations)

	m.Model = flattenModel(ctx, live.Model, priorModel(ctx, m.Model, d), owned, d)
	flattenRunning(ctx, live, m, d)
	m.Canary = flattenCanary(ctx, live, d)
	m.Scaling = flattenScaling(live.Scaling, m.Scaling, owned["scaling"])
	m.Logger = flattenLogger(live.Logger)
	m.Batcher = flattenBatcher(live.Batcher)
	if m.WaitForReady.IsNull() || m.WaitForReady.IsUnknown() {
		m.WaitForReady = types.BoolValue(true)
	}
	if m.Rollout.IsUnknown() {
		m.Rollout = types.ObjectNull(map[string]attr.Type{"steps": types.ListType{ElemType: types.Int64Type}, "interval": types.StringType})
	}
	flattenStatus(obj, m)
}

// priorModel is the model block the state (or the plan) had: all null when
// it had none, or when it is not known yet.
func priorModel(ctx context.Context, o types.Object, d *diag.Diagnostics) modelModel {
	if !o.IsNull() && !o.IsUnknown() {
		var prior modelModel
		d.Append(tfval.As(ctx, o, &prior)...)
		return prior
	}
	return modelModel{Env: types.MapNull(types.StringType), Resources: types.ObjectNull(resourcesAttrTypes),
		EnvFromSecrets: types.MapNull(workload.SecretKeyType), Args: types.ListNull(types.StringType)}
}

// flattenModel is the model block of the live model lm: its registry
// references from the annotations (the prior's when the object has none),
// and env and resources when the prior had them or the provider owns them.
func flattenModel(ctx context.Context, lm modelSpec, prior modelModel, owned map[string]bool, d *diag.Diagnostics) types.Object {
	mm := modelModel{
		RegisteredModel:    tfval.OptString(lm.Ref.RegisteredModel),
		Version:            tfval.OptString(lm.Ref.Version),
		Alias:              tfval.OptString(lm.Ref.Alias),
		StorageURI:         tfval.OptString(lm.Ref.StorageURI),
		Format:             tfval.OptString(lm.Format),
		FormatVersion:      tfval.OptString(lm.FormatVersion),
		Runtime:            tfval.OptString(lm.Runtime),
		Protocol:           tfval.OptString(lm.Protocol),
		ResolvedVersion:    tfval.OptString(lm.Ref.ResolvedVersion),
		ResolvedStorageURI: types.StringValue(lm.StorageURI),
		Env:                types.MapNull(types.StringType),
		Resources:          types.ObjectNull(resourcesAttrTypes),
	}
	if lm.Protocol == "" && lm.Container == nil {
		mm.Protocol = prior.Protocol
	}
	if lm.Ref == (registryRefSpec{}) && !prior.ResolvedStorageURI.IsNull() && !prior.ResolvedStorageURI.IsUnknown() {
		// Not made by this provider (or annotations removed): keep the
		// references the state had; the storage URI still tells drift.
		mm.RegisteredModel, mm.Version, mm.Alias, mm.StorageURI, mm.ResolvedVersion =
			prior.RegisteredModel, prior.Version, prior.Alias, prior.StorageURI, prior.ResolvedVersion
	} else if lm.Ref == (registryRefSpec{}) {
		mm.StorageURI = tfval.OptString(lm.StorageURI) // an object made elsewhere, imported: storage_uri alone
	}
	if (!prior.Env.IsNull() || owned["env"]) && len(lm.Env) > 0 {
		mm.Env = tfval.StringMap(lm.Env)
	} else if !prior.Env.IsNull() {
		mm.Env = types.MapValueMust(types.StringType, map[string]attr.Value{})
	}
	mm.EnvFromSecrets = workload.SecretKeysValue(lm.EnvFromSecrets, prior.EnvFromSecrets)
	mm.Args = tfval.ListOrNull(lm.Args, prior.Args)
	if (!prior.Resources.IsNull() || owned["resources"]) && lm.Resources != nil {
		mm.Resources = workload.ResourcesValue(ctx, lm.Resources, prior.Resources, d)
	}
	return objectValue(ctx, modelAttrTypes, mm, d)
}

// flattenCanary is the canary block of the live object: null without a
// canary.
func flattenCanary(ctx context.Context, live endpointSpec, d *diag.Diagnostics) types.Object {
	lc := live.Canary
	if lc == nil {
		return types.ObjectNull(canaryAttrTypes)
	}
	cm := canaryModel{
		RegisteredModel:    tfval.OptString(lc.Ref.RegisteredModel),
		Version:            tfval.OptString(lc.Ref.Version),
		Alias:              tfval.OptString(lc.Ref.Alias),
		StorageURI:         tfval.OptString(lc.Ref.StorageURI),
		TrafficPercent:     types.Int64Value(live.CanaryPercent),
		ResolvedVersion:    tfval.OptString(lc.Ref.ResolvedVersion),
		ResolvedStorageURI: types.StringValue(lc.StorageURI),
	}
	if lc.Ref == (registryRefSpec{}) {
		cm.StorageURI = tfval.OptString(lc.StorageURI)
	}
	return objectValue(ctx, canaryAttrTypes, cm, d)
}

// flattenLogger is the logger block: null without payload logging, and the
// mode KServe defaults to when none is set.
func flattenLogger(l *loggerSpec) types.Object {
	if l == nil {
		return types.ObjectNull(loggerAttrTypes)
	}
	headers := tfval.ListOrNull(l.MetadataHeaders, types.ListNull(types.StringType))
	mode := l.Mode
	if mode == "" {
		mode = "all" // KServe's default
	}
	return types.ObjectValueMust(loggerAttrTypes, map[string]attr.Value{"url": types.StringValue(l.URL), "mode": types.StringValue(mode), "metadata_headers": headers})
}

// flattenBatcher is the batcher block: null without request batching.
func flattenBatcher(b *batcherSpec) types.Object {
	if b == nil {
		return types.ObjectNull(batcherAttrTypes)
	}
	return types.ObjectValueMust(batcherAttrTypes, map[string]attr.Value{
		"max_batch_size": types.Int64PointerValue(b.MaxBatchSize), "max_latency": types.Int64PointerValue(b.MaxLatency), "timeout": types.Int64PointerValue(b.Timeout),
	})
}

// flattenStatus copies the computed status attributes.
func flattenStatus(obj *unstructured.Unstructured, m *endpointModel) {
	url, _, _ := unstructured.NestedString(obj.Object, "status", "url")
	m.URL = types.StringValue(url)
	m.Ready = types.BoolValue(readinessOf(obj).Ready)
	traffic := map[string]attr.Value{}
	for k, v := range trafficOf(obj) {
		traffic[k] = types.Int64Value(v)
	}
	m.Traffic = types.MapValueMust(types.Int64Type, traffic)
	conds := conditionsOf(obj)
	sort.SliceStable(conds, func(i, j int) bool { return conds[i].Type < conds[j].Type })
	items := make([]attr.Value, 0, len(conds))
	for _, c := range conds {
		items = append(items, types.ObjectValueMust(conditionAttrTypes, map[string]attr.Value{
			"type": types.StringValue(c.Type), "status": types.StringValue(c.Status),
			"reason": types.StringValue(c.Reason), "message": types.StringValue(c.Message),
		}))
	}
	m.Conditions = types.ListValueMust(conditionType, items)
}

// ownedFields tells which optional parts of the spec the provider's field
// manager owns (applied), from metadata.managedFields: what KServe's
// webhook defaults (resources, say) is not the provider's.
func ownedFields(owned fieldSet) map[string]bool {
	// A custom server's or a transformer's containers are an atomic list in
	// KServe's CRD, into which its webhook writes default resources: their
	// resources are read only when configured (import leaves them out).
	out := map[string]bool{
		"env":       owned.has("f:spec", "f:predictor", "f:model", "f:env"),
		"resources": owned.has("f:spec", "f:predictor", "f:model", "f:resources"),
	}
	for _, f := range []string{"f:minReplicas", "f:maxReplicas", "f:scaleMetric", "f:scaleTarget", "f:autoScaling"} {
		out["scaling"] = out["scaling"] || owned.has("f:spec", "f:predictor", f)
	}
	return out
}

func objectValue(ctx context.Context, attrTypes map[string]attr.Type, v any, d *diag.Diagnostics) types.Object {
	obj, dd := tfval.ObjectFrom(ctx, attrTypes, v)
	d.Append(dd...)
	return obj
}
