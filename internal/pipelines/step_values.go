package pipelines

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/workload"
)

// This file converts steps between their framework values and Step.

// seconds is a validated duration in whole seconds.
func seconds(d string) int64 {
	dur, _ := time.ParseDuration(d) // validated at plan time
	return int64(dur.Round(time.Second) / time.Second)
}

// expandStep reads a step's configuration.
func expandStep(ctx context.Context, sm stepModel, d *diag.Diagnostics) Step {
	s := Step{
		Name: sm.Name.ValueString(), Image: sm.Image.ValueString(),
		Command: tfval.StringListOf(ctx, sm.Command, d), Args: tfval.StringListOf(ctx, sm.Args, d), DependsOn: tfval.StringListOf(ctx, sm.DependsOn, d),
		Env: tfval.StringMapOf(ctx, sm.Env, d), EnvFromSecrets: workload.SecretKeysOf(ctx, sm.EnvFromSecrets, d),
		Retries: sm.Retries.ValueInt64Pointer(), When: sm.When.ValueString(), WithItems: tfval.StringListOf(ctx, sm.WithItems, d),
		NodeSelector: tfval.StringMapOf(ctx, sm.NodeSelector, d), Tolerations: workload.TolerationsOf(ctx, sm.Tolerations, d),
	}
	if !sm.Timeout.IsNull() {
		secs := seconds(sm.Timeout.ValueString())
		s.TimeoutSeconds = &secs
	}
	var rm resourcesModel
	if workload.ObjectOf(ctx, sm.Resources, &rm, d) {
		s.CPU, s.Memory, s.GPU = rm.CPU.ValueString(), rm.Memory.ValueString(), rm.GPU.ValueInt64Pointer()
	}
	var om outputsModel
	if workload.ObjectOf(ctx, sm.Outputs, &om, d) {
		s.OutputParameters, s.OutputArtifacts = tfval.StringMapOf(ctx, om.Parameters, d), tfval.StringMapOf(ctx, om.Artifacts, d)
	}
	s.outputsUnknown = sm.Outputs.IsUnknown() || om.Parameters.IsUnknown() || om.Artifacts.IsUnknown()
	var im inputsModel
	if workload.ObjectOf(ctx, sm.Inputs, &im, d) && !im.Artifacts.IsNull() && !im.Artifacts.IsUnknown() {
		d.Append(im.Artifacts.ElementsAs(ctx, &s.InputArtifacts, false)...)
	}
	s.Retry = expandRetry(ctx, sm.Retry, d)
	if !sm.Volumes.IsNull() && !sm.Volumes.IsUnknown() {
		var vms []volumeModel
		d.Append(sm.Volumes.ElementsAs(ctx, &vms, false)...)
		for _, v := range vms {
			s.Volumes = append(s.Volumes, Volume{Name: v.Name.ValueString(), MountPath: v.MountPath.ValueString(), EmptyDir: v.EmptyDir.ValueBool(),
				PVC: v.PVC.ValueString(), Secret: v.Secret.ValueString(), ConfigMap: v.ConfigMap.ValueString()})
		}
	}
	return s
}

func expandRetry(ctx context.Context, o types.Object, d *diag.Diagnostics) *Retry {
	var m retryModel
	if !workload.ObjectOf(ctx, o, &m, d) {
		return nil
	}
	r := &Retry{Limit: m.Limit.ValueInt64(), Policy: m.Policy.ValueString()}
	var bm backoffModel
	if workload.ObjectOf(ctx, m.Backoff, &bm, d) {
		r.Backoff = &Backoff{Duration: bm.Duration.ValueString(), Factor: bm.Factor.ValueInt64Pointer(), MaxDuration: bm.MaxDuration.ValueString()}
	}
	return r
}

// expandExit reads on_exit; nil when not set.
func expandExit(ctx context.Context, o types.Object, d *diag.Diagnostics) *Step {
	var m exitModel
	if !workload.ObjectOf(ctx, o, &m, d) {
		return nil
	}
	return &Step{
		Image: m.Image.ValueString(), Command: tfval.StringListOf(ctx, m.Command, d), Args: tfval.StringListOf(ctx, m.Args, d),
		Env: tfval.StringMapOf(ctx, m.Env, d), EnvFromSecrets: workload.SecretKeysOf(ctx, m.EnvFromSecrets, d),
	}
}

// exitValue is the live exit handler as an on_exit value.
func exitValue(ctx context.Context, live *Step, prior types.Object, d *diag.Diagnostics) types.Object {
	if live == nil {
		return types.ObjectNull(exitAttrTypes)
	}
	var pm exitModel
	if !workload.ObjectOf(ctx, prior, &pm, d) {
		pm = exitModel{Command: types.ListNull(types.StringType), Args: types.ListNull(types.StringType),
			Env: types.MapNull(types.StringType), EnvFromSecrets: types.MapNull(workload.SecretKeyType)}
	}
	return types.ObjectValueMust(exitAttrTypes, map[string]attr.Value{
		"image": types.StringValue(live.Image), "command": tfval.ListOrNull(live.Command, pm.Command), "args": tfval.ListOrNull(live.Args, pm.Args),
		"env": tfval.MapOrNull(live.Env, pm.Env), "env_from_secrets": workload.SecretKeysValue(live.EnvFromSecrets, pm.EnvFromSecrets),
	})
}

// nullStep is a step model with every collection null: the prior of a
// step that was not in the state (an import).
func nullStep() stepModel {
	return stepModel{
		Command: types.ListNull(types.StringType), Args: types.ListNull(types.StringType), DependsOn: types.ListNull(types.StringType),
		Env: types.MapNull(types.StringType), WithItems: types.ListNull(types.StringType), NodeSelector: types.MapNull(types.StringType),
		EnvFromSecrets: types.MapNull(workload.SecretKeyType), Tolerations: types.ListNull(workload.TolerationType),
		Volumes: types.ListNull(volumeType), Resources: types.ObjectNull(resourcesAttrTypes), Outputs: types.ObjectNull(outputsAttrTypes),
		Inputs: types.ObjectNull(inputsAttrTypes), Retry: types.ObjectNull(retryAttrTypes),
	}
}

// stepValue turns a live step into its Terraform value, keeping the prior
// spelling of equivalent values (timeout "2h" rather than "2h0m0s", empty
// lists and maps as configured).
func stepValue(ctx context.Context, s Step, prior *stepModel, d *diag.Diagnostics) attr.Value {
	p := nullStep()
	if prior != nil {
		p = *prior
	}
	timeout := types.StringNull()
	if s.TimeoutSeconds != nil {
		timeout = durationValue(*s.TimeoutSeconds, p.Timeout)
	}
	// retry = { limit = N } renders as retries = N does: keep what was written.
	if s.Retry == nil && s.Retries != nil && !p.Retry.IsNull() && !p.Retry.IsUnknown() {
		s.Retry, s.Retries = &Retry{Limit: *s.Retries}, nil
	}
	return types.ObjectValueMust(stepAttrTypes, map[string]attr.Value{
		"name":             types.StringValue(s.Name),
		"image":            types.StringValue(s.Image),
		"command":          tfval.ListOrNull(s.Command, p.Command),
		"args":             tfval.ListOrNull(s.Args, p.Args),
		"depends_on":       tfval.ListOrNull(s.DependsOn, p.DependsOn),
		"env":              tfval.MapOrNull(s.Env, p.Env),
		"env_from_secrets": workload.SecretKeysValue(s.EnvFromSecrets, p.EnvFromSecrets),
		"resources":        resourcesValue(s, p.Resources),
		"retries":          types.Int64PointerValue(s.Retries),
		"retry":            retryValue(ctx, s.Retry, p.Retry, d),
		"timeout":          timeout,
		"outputs":          outputsValue(ctx, s, p.Outputs, d),
		"inputs":           inputsValue(ctx, s.InputArtifacts, p.Inputs, d),
		"when":             tfval.OptString(s.When),
		"with_items":       tfval.ListOrNull(s.WithItems, p.WithItems),
		"volumes":          volumesValue(s.Volumes, p.Volumes),
		"node_selector":    tfval.MapOrNull(s.NodeSelector, p.NodeSelector),
		"tolerations":      workload.TolerationsValue(s.Tolerations, p.Tolerations),
	})
}

// durationValue is secs as a duration, in the prior's spelling when it
// means the same.
func durationValue(secs int64, prior types.String) types.String {
	if !prior.IsNull() && !prior.IsUnknown() {
		if dur, err := time.ParseDuration(prior.ValueString()); err == nil && int64(dur.Round(time.Second)/time.Second) == secs {
			return prior
		}
	}
	return types.StringValue(formatSeconds(secs))
}

func resourcesValue(s Step, prior types.Object) types.Object {
	if s.CPU != "" || s.Memory != "" || s.GPU != nil {
		gpu := types.Int64PointerValue(s.GPU)
		if s.GPU == nil && !prior.IsNull() && !prior.IsUnknown() {
			// gpu = 0 is configured but never applied.
			if g, ok := prior.Attributes()["gpu"].(types.Int64); ok && !g.IsNull() && !g.IsUnknown() && g.ValueInt64() == 0 {
				gpu = g
			}
		}
		return types.ObjectValueMust(resourcesAttrTypes, map[string]attr.Value{"cpu": tfval.OptString(s.CPU), "memory": tfval.OptString(s.Memory), "gpu": gpu})
	}
	// A configured resources block whose values are all empty or 0 is not applied.
	if !prior.IsNull() && !prior.IsUnknown() && isEmptyResources(prior.Attributes()) {
		return prior
	}
	return types.ObjectNull(resourcesAttrTypes)
}

func isEmptyResources(attrs map[string]attr.Value) bool {
	for _, v := range attrs {
		switch x := v.(type) {
		case types.String:
			if !x.IsNull() && x.ValueString() != "" {
				return false
			}
		case types.Int64:
			if !x.IsNull() && x.ValueInt64() != 0 {
				return false
			}
		}
	}
	return true
}

func retryValue(ctx context.Context, r *Retry, prior types.Object, d *diag.Diagnostics) types.Object {
	if r == nil {
		return types.ObjectNull(retryAttrTypes)
	}
	var pm retryModel
	var pb backoffModel
	if workload.ObjectOf(ctx, prior, &pm, d) {
		workload.ObjectOf(ctx, pm.Backoff, &pb, d)
	}
	backoff := types.ObjectNull(backoffAttrTypes)
	if b := r.Backoff; b != nil {
		backoff = types.ObjectValueMust(backoffAttrTypes, map[string]attr.Value{
			"duration": sameDuration(b.Duration, pb.Duration), "factor": types.Int64PointerValue(b.Factor),
			"max_duration": sameDuration(b.MaxDuration, pb.MaxDuration),
		})
	}
	return types.ObjectValueMust(retryAttrTypes, map[string]attr.Value{
		"limit": types.Int64Value(r.Limit), "policy": tfval.OptString(r.Policy), "backoff": backoff,
	})
}

// sameDuration is live, or the prior's spelling of the same duration.
func sameDuration(live string, prior types.String) types.String {
	if live == "" {
		return types.StringNull()
	}
	if !prior.IsNull() && !prior.IsUnknown() {
		a, err1 := time.ParseDuration(live)
		b, err2 := time.ParseDuration(prior.ValueString())
		if err1 == nil && err2 == nil && a == b {
			return prior
		}
	}
	return types.StringValue(live)
}

func outputsValue(ctx context.Context, s Step, prior types.Object, d *diag.Diagnostics) types.Object {
	var pm outputsModel
	hadPrior := workload.ObjectOf(ctx, prior, &pm, d)
	if len(s.OutputParameters) == 0 && len(s.OutputArtifacts) == 0 && !hadPrior {
		return types.ObjectNull(outputsAttrTypes)
	}
	if !hadPrior {
		pm = outputsModel{Parameters: types.MapNull(types.StringType), Artifacts: types.MapNull(types.StringType)}
	}
	return types.ObjectValueMust(outputsAttrTypes, map[string]attr.Value{
		"parameters": tfval.MapOrNull(s.OutputParameters, pm.Parameters), "artifacts": tfval.MapOrNull(s.OutputArtifacts, pm.Artifacts),
	})
}

func inputsValue(ctx context.Context, live map[string]InputArtifact, prior types.Object, d *diag.Diagnostics) types.Object {
	var pm inputsModel
	hadPrior := workload.ObjectOf(ctx, prior, &pm, d)
	if len(live) == 0 && !hadPrior {
		return types.ObjectNull(inputsAttrTypes)
	}
	arts := types.MapNull(inputArtifactType)
	if len(live) > 0 || (hadPrior && !pm.Artifacts.IsNull()) {
		elems := make(map[string]attr.Value, len(live))
		for k, a := range live {
			elems[k] = types.ObjectValueMust(inputArtifactTypes, map[string]attr.Value{"from": types.StringValue(a.From), "path": types.StringValue(a.Path)})
		}
		arts = types.MapValueMust(inputArtifactType, elems)
	}
	return types.ObjectValueMust(inputsAttrTypes, map[string]attr.Value{"artifacts": arts})
}

func volumesValue(live []Volume, prior types.List) types.List {
	if len(live) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.ListNull(volumeType)
	}
	var priorElems []attr.Value
	if !prior.IsNull() && !prior.IsUnknown() {
		priorElems = prior.Elements()
	}
	elems := make([]attr.Value, len(live))
	for i, v := range live {
		emptyDir := types.BoolNull()
		if v.EmptyDir {
			emptyDir = types.BoolValue(true)
		} else if i < len(priorElems) {
			// empty_dir = false, as configured beside another source.
			if o, ok := priorElems[i].(types.Object); ok {
				if b, ok := o.Attributes()["empty_dir"].(types.Bool); ok && !b.IsUnknown() && !b.IsNull() && !b.ValueBool() {
					emptyDir = b
				}
			}
		}
		elems[i] = types.ObjectValueMust(volumeAttrTypes, map[string]attr.Value{
			"name": types.StringValue(v.Name), "mount_path": types.StringValue(v.MountPath), "empty_dir": emptyDir,
			"pvc": tfval.OptString(v.PVC), "secret": tfval.OptString(v.Secret), "config_map": tfval.OptString(v.ConfigMap),
		})
	}
	return types.ListValueMust(volumeType, elems)
}
