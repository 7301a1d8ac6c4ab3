# Run the retraining pipeline once after every apply that creates or changes
# it, and fail the apply if the run fails. Terraform 1.14 or later.
action "mlops_pipeline_run" "retrain" {
  config {
    pipeline   = mlops_pipeline.retrain.id # <namespace>/<name>
    parameters = { model_name = "churn", min_accuracy = "0.92" }
    timeout    = "2h"
  }
}

resource "mlops_pipeline" "retrain" {
  name       = "churn-retrain"
  namespace  = "ml-pipelines"
  parameters = { model_name = "churn", min_accuracy = "0.90" }
  steps = [
    { name = "prepare", image = "ghcr.io/acme/prep:1.4", command = ["python", "prep.py"] },
    { name = "train", image = "ghcr.io/acme/train:1.4", args = ["--model", "{{workflow.parameters.model_name}}"], depends_on = ["prepare"] },
  ]

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.mlops_pipeline_run.retrain]
    }
  }
}

# Or run it on demand, without waiting for it to finish:
#   terraform apply -invoke=action.mlops_pipeline_run.nightly_now
action "mlops_pipeline_run" "nightly_now" {
  config {
    pipeline = "ml-pipelines/churn-retrain"
    wait     = false
  }
}
