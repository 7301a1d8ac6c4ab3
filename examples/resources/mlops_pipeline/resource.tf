# Nightly retraining of the churn model: prepare the data, train on the GPU
# pool, register the new version in MLflow when it is accurate enough, and
# notify whatever happened. Runs at 03:00 UTC; a run that is still going at
# the next schedule blocks the new one.
resource "mlops_pipeline" "retrain" {
  name            = "churn-retrain"
  namespace       = "ml-pipelines"
  description     = "Nightly retraining of the churn model"
  service_account = "pipeline-runner"
  parameters      = { model_name = "churn", min_accuracy = "0.90" }

  steps = [
    {
      name    = "prepare"
      image   = "ghcr.io/acme/prep:1.4"
      command = ["python", "prep.py", "--out", "/data/out"]
      outputs = { artifacts = { dataset = "/data/out" } }
    },
    {
      name       = "train"
      image      = "ghcr.io/acme/train:1.4"
      command    = ["python", "train.py", "--data", "/data/in", "--accuracy-file", "/tmp/accuracy"]
      args       = ["--model", "{{workflow.parameters.model_name}}"]
      depends_on = ["prepare"]
      inputs     = { artifacts = { dataset = { from = "prepare.dataset", path = "/data/in" } } }
      outputs    = { parameters = { accuracy = "/tmp/accuracy" } }

      env              = { MLFLOW_TRACKING_URI = "http://mlflow.mlflow:5000" }
      env_from_secrets = { MLFLOW_TRACKING_TOKEN = { secret = "mlflow", key = "token" } }
      resources        = { cpu = "2", memory = "8Gi", gpu = 1 }
      node_selector    = { pool = "gpu" }
      tolerations      = [{ key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" }]
      retry            = { limit = 2, policy = "OnError", backoff = { duration = "30s", factor = 2, max_duration = "10m" } }
      timeout          = "2h"
    },
    {
      name       = "register"
      image      = "ghcr.io/acme/register:1.4"
      command    = ["python", "register.py", "--model", "{{workflow.parameters.model_name}}"]
      depends_on = ["train"]
      when       = "{{tasks.train.outputs.parameters.accuracy}} >= {{workflow.parameters.min_accuracy}}"
    },
  ]

  on_exit = { image = "ghcr.io/acme/notify:1", command = ["notify", "--status", "{{workflow.status}}"] }

  active_deadline     = "6h"
  ttl_after_finished  = "24h"
  artifact_repository = { s3 = { bucket = "ml-artifacts", endpoint = "s3.amazonaws.com", key_prefix = "churn", credentials_secret = "s3-creds" } }

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
