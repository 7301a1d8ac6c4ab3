// Package actions holds the provider's Terraform 1.14 actions: operations
// that run when Terraform invokes them (`terraform apply -invoke`, or an
// `action_trigger` of a resource's lifecycle) and keep no state.
//
//   - mlops_pipeline_run submits a run of a pipeline's WorkflowTemplate
//     (an Argo Workflow) and watches it until it finishes, reporting its
//     progress.
//   - mlops_model_alias_promote moves a registered model's alias to a READY
//     version and reads it back.
//
// Terraform 1.5 to 1.13 and OpenTofu do not know actions: they never ask
// for these schemas, so the actions cost them nothing.
//
// It imports the families' packages it runs (pipelines) and the lower
// floors, never provider.
package actions

import (
	"github.com/hashicorp/terraform-plugin-framework/action"
)

// Actions lists the provider's actions.
func Actions() []func() action.Action {
	return []func() action.Action{NewPipelineRunAction, NewModelAliasPromoteAction}
}
