# Nightly retraining of the churn model: prepare the data, train, register
# the new version in MLflow. Runs at 03:00 UTC; a run that is still going at
# the next schedule blocks the new one.
resource "mlops_pipeline" "retrain" {
  name            = "churn-retrain"
  namespace       = "ml-pipelines"
  description     = "Nightly retraining of the churn model"
  service_account = "pipeline-runner"
  parameters      = { model_name = "churn", min_accuracy = "0.90" }

  steps = [
    { name = "prepare", image = "ghcr.io/acme/prep:1.4", command = ["python", "prep.py"] },
    {
      name       = "train"
      image      = "ghcr.io/acme/train:1.4"
      args       = ["--model", "{{workflow.parameters.model_name}}"]
      depends_on = ["prepare"]
      env        = { MLFLOW_TRACKING_URI = "http://mlflow.mlflow:5000" }
      resources  = { cpu = "2", memory = "8Gi", gpu = 1 }
      retries    = 2
      timeout    = "2h"
    },
    { name = "register", image = "ghcr.io/acme/register:1.4", depends_on = ["train"] },
  ]

  schedule = {
    cron               = ["0 3 * * *"]
    timezone           = "UTC"
    concurrency_policy = "Forbid"
    suspend            = false
    starting_deadline  = "10m"
    successful_history = 3
    failed_history     = 1
  }

  labels = { team = "risk" }
}
