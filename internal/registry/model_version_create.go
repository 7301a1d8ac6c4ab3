package registry

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/diags"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/retry"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

// This file is what a version's create does after the request is built:
// the request, the lost-answer outcomes, the wait until READY, the stage
// move and the read back.

// versionCreateInput is the create request for the planned version.
func versionCreateInput(ctx context.Context, plan modelVersionModel, d *diag.Diagnostics) mlflow.CreateModelVersionInput {
	in := mlflow.CreateModelVersionInput{
		Name:        plan.ModelName.ValueString(),
		Source:      plan.Source.ValueString(),
		RunID:       tfval.KnownString(plan.RunID),
		RunLink:     tfval.KnownString(plan.RunLink),
		ModelID:     tfval.KnownString(plan.ModelID),
		Description: plan.Description.ValueString(),
		Tags:        mlflow.TagList(tfval.StringMapOf(ctx, plan.Tags, d)),
	}
	if in.RunID == "" {
		in.RunID = runIDFromSource(in.Source)
	}
	if in.ModelID == "" {
		// MLflow refuses a models:/<model_id> source without model_id.
		in.ModelID = mlflow.ModelIDOfSource(in.Source)
	}
	return in
}

// finishCreate records the created version, waits until it is READY, moves
// it to its stage and reads it back.
//
// The version is recorded at once: whatever happens next, the state knows
// it. A registration that fails leaves it tainted, so that the next apply
// replaces it. But when what follows fails only because MLflow cannot be
// reached (or the apply is interrupted), the version may be fine: the
// create then warns instead of failing, so that Terraform does not taint
// it, and the state holds what is known; the next plan finishes the job.
func (r *modelVersionResource) finishCreate(ctx context.Context, c *mlflow.Client, mv *mlflow.ModelVersion, in mlflow.CreateModelVersionInput,
	plan *modelVersionModel, resp *resource.CreateResponse) {
	name, id, wantStage := in.Name, in.Name+"/"+mv.Version, tfval.KnownString(plan.Stage)
	r.flatten(mv, "", plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	unconfirmed := func(what string, err error) bool {
		if !diags.Unconfirmed(err) {
			return false
		}
		diags.AddCreatedUnconfirmed(&resp.Diagnostics, "Model version created, "+what+" unconfirmed", modelVersionKind, fmt.Sprintf("%q", id), what, err,
			"The next refresh reads it, and the next plan makes up what is missing.")
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
		return true
	}
	if mv.Status != mlflow.StatusReady { // open-source MLflow answers READY at once
		waited, err := waitForVersionReady(ctx, c, name, mv.Version)
		if waited != nil {
			mv = waited
			r.flatten(mv, "", plan)
			resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
		}
		if unconfirmed("waiting for READY", err) || addNotReady(&resp.Diagnostics, id, in.Source, plan.Status.ValueString(), err) {
			return
		}
	}
	if wantStage != "" && wantStage != mv.CurrentStage {
		if _, err := c.TransitionModelVersionStage(ctx, name, mv.Version, wantStage, plan.ArchiveExistingVersions.ValueBool()); err != nil {
			if unconfirmed("moving it to stage "+wantStage, err) {
				return // the state holds the stage it has; the next plan moves it
			}
			diags.AddAPIError(&resp.Diagnostics, "moving to stage "+wantStage+" the", modelVersionKind, id, err)
			return
		}
	}
	found, action, err := r.read(ctx, c, name, mv.Version, plan)
	switch {
	case err != nil:
		if unconfirmed(action+" it", err) {
			return
		}
		diags.AddAPIError(&resp.Diagnostics, action, modelVersionKind, id, err)
	case !found:
		resp.Diagnostics.AddError("Error creating model version", fmt.Sprintf("The model version %q vanished right after it was created.", id))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// addNotReady reports a version that did not become READY; false when err
// is nil.
func addNotReady(d *diag.Diagnostics, id, source, status string, err error) bool {
	var failed *registrationFailedError
	switch {
	case err == nil:
		return false
	case errors.As(err, &failed):
		d.AddError("Error creating model version",
			fmt.Sprintf("MLflow could not register the model version %q from %s: status %s: %s\n\n"+
				"The version stays in the state and is replaced on the next apply. Check that the source holds a model MLflow can read.",
				id, source, mlflow.StatusFailedRegistration, failed.message))
	default:
		d.AddError("Error creating model version",
			fmt.Sprintf("The model version %q did not become READY: %s. Last status: %s.\n\n"+
				"The version stays in the state. Raise timeouts.create if registration is slow on this server.", id, err, status))
	}
	return true
}

// registrationFailedError is MLflow's FAILED_REGISTRATION status.
type registrationFailedError struct{ message string }

func (e *registrationFailedError) Error() string {
	return "registration failed: " + e.message
}

// waitForVersionReady polls the version until it leaves
// PENDING_REGISTRATION. The registry API has no watch, so this polls with a
// backoff that starts at 250 ms and grows to 5 s. It returns the last version
// read, and an error when the status is FAILED_REGISTRATION or ctx ends.
func waitForVersionReady(ctx context.Context, c *mlflow.Client, name, version string) (*mlflow.ModelVersion, error) {
	var last *mlflow.ModelVersion
	poll := retry.Policy{First: versionPollInitialBackoff, Max: versionPollMaxBackoff}
	mv, err := retry.Do(ctx, poll, func(err error) bool { return errors.Is(err, retry.ErrNotYet) }, func() (*mlflow.ModelVersion, error) {
		mv, err := c.GetModelVersion(ctx, name, version)
		if err != nil {
			return last, err
		}
		last = mv
		switch mv.Status {
		case mlflow.StatusReady, "":
			return mv, nil
		case mlflow.StatusFailedRegistration:
			return mv, &registrationFailedError{message: mv.StatusMessage}
		}
		return mv, retry.ErrNotYet
	})
	if errors.Is(err, retry.ErrNotYet) {
		return mv, ctx.Err()
	}
	return mv, err
}
