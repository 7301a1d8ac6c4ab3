package serving

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/diags"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/retry"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

// rolloutSettings reads the rollout block: its traffic steps and the
// bake interval between them (validated at plan).
func rolloutSettings(ctx context.Context, rollout types.Object, d *diag.Diagnostics) ([]int64, time.Duration) {
	var rm rolloutModel
	d.Append(tfval.As(ctx, rollout, &rm)...)
	var steps []int64
	d.Append(rm.Steps.ElementsAs(ctx, &steps, false)...)
	interval, _ := time.ParseDuration(rm.Interval.ValueString())
	return steps, interval
}

// rollout moves traffic from prior's model to want's in steps: at each step
// the new model serves as a canary with that share, must become ready, bakes
// for interval and must still be ready; then it is promoted to 100% and the
// canary removed. When a step fails, all traffic returns to the previous
// model and the error names the step. It returns the last object and
// whether the rollout failed.
func (r *endpointResource) rollout(ctx context.Context, c *kube.Client, prior, want endpointSpec, steps []int64,
	interval time.Duration, d *diag.Diagnostics) (*unstructured.Unstructured, bool) {
	id := want.id()
	// Everything but the model comes from the new configuration.
	stable := want
	stable.Model = prior.Model
	stable.Canary = nil

	for i, percent := range steps {
		step := withCanary(prior, want, percent)
		tflog.Info(ctx, "rollout step", map[string]any{"endpoint": id.String(), "step": i + 1, "percent": percent})

		var obj *unstructured.Unstructured
		var gone bool
		reason, shifted := "", percent // why the step failed, and the traffic it may have moved
		if _, err := c.Apply(ctx, InferenceServiceGVR, step.toObject()); err != nil {
			addKubeError(d, "updating", id, err) // the refusal, with its advice
			reason, shifted = "the cluster refused the step (see the error above)", previousPercent(steps, i)
		} else {
			obj, gone, reason = bakeStep(ctx, c, step, interval)
		}
		if gone {
			d.AddError("Error updating endpoint", fmt.Sprintf("The InferenceService %s was deleted during the rollout.", id))
			return nil, true
		}
		if reason != "" {
			now, back, outcome := r.rollBack(ctx, c, stable, shifted, obj)
			summary := "Error updating endpoint"
			if !back {
				summary = "Error rolling back endpoint"
			}
			d.AddError(summary,
				fmt.Sprintf("The rollout of the endpoint %s failed at step %d of %d (%d%% of traffic to the new model %s): %s.\n\n"+
					"%s The state still records the previous model, so the next plan proposes the rollout again.",
					id, i+1, len(steps), percent, want.Model.StorageURI, reason, outcome))
			return now, true
		}
	}
	return r.promote(ctx, c, prior, want, d)
}

// withCanary is want serving prior's model, with want's model as the canary
// at percent of the traffic: one step of a rollout.
func withCanary(prior, want endpointSpec, percent int64) endpointSpec {
	step := want
	step.Model = prior.Model
	newModel := want.Model
	step.Canary = &newModel
	step.CanaryPercent = percent
	return step
}

// bakeStep waits for a rollout step to serve, bakes it for interval and
// checks that it still serves. It returns the last object read, whether the
// InferenceService was deleted, and why the step failed ("" when it
// serves).
func bakeStep(ctx context.Context, c *kube.Client, step endpointSpec, interval time.Duration) (*unstructured.Unstructured, bool, string) {
	obj, last, gone, err := waitServing(ctx, c, step)
	switch {
	case gone:
		return obj, true, ""
	case err != nil:
		return obj, false, fmt.Sprintf("not ready in time (%v); last condition: %s: %s", err, last.Reason, last.Message)
	case last.Failed:
		return obj, false, fmt.Sprintf("%s: %s", last.Reason, last.Message)
	}
	// Ready: bake, then check again.
	if err := retry.Sleep(ctx, interval); err != nil {
		return obj, false, fmt.Sprintf("the update timed out while baking: %v", err)
	}
	obj, rd, err := checkServing(ctx, c, step)
	if err != nil {
		return obj, false, fmt.Sprintf("reading the endpoint after baking: %v", err)
	}
	if !rd.Ready {
		return obj, false, fmt.Sprintf("no longer ready after baking for %s: %s: %s", interval, rd.Reason, rd.Message)
	}
	return obj, false, ""
}

// promote ends a rollout: the new model takes all traffic; the canary goes.
// In Standard mode the canary's predictor becomes the stable one under its
// own name, so its pods serve on without a restart (KServe removes the old
// stable Deployment).
// KServe refuses a new predictor name without a new storage URI
// (validatePredictorNameChange, v0.20.0): a rollout of new arguments or a
// new image of the same model updates the stable predictor instead, whose
// pods KServe then replaces.
func (r *endpointResource) promote(ctx context.Context, c *kube.Client, prior, want endpointSpec, d *diag.Diagnostics) (*unstructured.Unstructured, bool) {
	id := want.id()
	if want.Mode != ModeKnative && want.Model.StorageURI != prior.Model.StorageURI {
		want.PredictorName = withCanary(prior, want, want.CanaryPercent).canaryName()
	}
	obj, err := c.Apply(ctx, InferenceServiceGVR, want.toObject())
	if err != nil {
		addKubeError(d, "updating", id, err)
		return nil, true
	}
	if waited, _ := r.waitReady(ctx, c, want, diags.Update, d); waited != nil {
		obj = waited
	}
	return obj, false
}

// previousPercent is the traffic share of the new model before step i.
func previousPercent(steps []int64, i int) int64 {
	if i == 0 {
		return 0
	}
	return steps[i-1]
}

// rollBack serves the previous model alone again, and says what the
// endpoint serves now: the object as it is (left, as the failed step left
// it, when the cluster refused; nil when the InferenceService is gone),
// whether traffic is back on the previous model, and what to tell the user.
// When the cluster refuses, up to percent% of the traffic may still go to
// the new model. It uses a fresh context: the update's may have run out,
// and traffic must go back regardless.
func (r *endpointResource) rollBack(ctx context.Context, c *kube.Client, stable endpointSpec, percent int64,
	left *unstructured.Unstructured) (now *unstructured.Unstructured, back bool, outcome string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	uri := stable.Model.StorageURI
	obj, err := c.Apply(ctx, InferenceServiceGVR, stable.toObject())
	if err != nil {
		tflog.Error(ctx, "rolling back the endpoint failed", map[string]any{"error": err.Error()})
		return left, false, fmt.Sprintf("Returning all traffic to the previous model (%s) failed too: %v. The endpoint is as the rollout left it: "+
			"up to %d%% of its traffic may still go to the new model. Look at it (`kubectl get inferenceservice -n %s %s -o yaml`), "+
			"fix what refused the change, and apply again.", uri, err, percent, stable.Namespace, stable.Name)
	}
	last, rd, gone, err := waitServing(ctx, c, stable)
	if last != nil {
		obj = last
	}
	switch {
	case gone:
		return nil, true, "The InferenceService was deleted while traffic was returned to the previous model."
	case err != nil:
		return obj, true, fmt.Sprintf("All traffic has been returned to the previous model (%s), but it is not ready again (%v); last condition: %s: %s.", uri, err, rd.Reason, rd.Message)
	case rd.Failed:
		return obj, true, fmt.Sprintf("All traffic has been returned to the previous model (%s), but it cannot become ready again: %s: %s.", uri, rd.Reason, rd.Message)
	}
	return obj, true, fmt.Sprintf("All traffic has been returned to the previous model (%s).", uri)
}
