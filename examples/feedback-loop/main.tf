# The feedback loop of MLOps practice, with production settings: the model
# served behind an endpoint logs every request and response to a collector;
# a scheduled pipeline checks that collection for drift; and every version
# that becomes the "challenger" is evaluated by a pipeline that a registry
# event starts, through MLflow's webhook and Argo's server.
#
# Needs: MLflow 3.3+ with a SQL store (webhooks), KServe, Argo Workflows with
# its server reachable by MLflow (see "The feedback loop in production" in
# the README), and a collector of KServe's CloudEvents.

terraform {
  required_providers {
    mlops = { source = "mlopsprovider/mlops" }
  }
}

variable "argo_server_url" {
  description = "Public URL of Argo's server, as MLflow reaches it (https)."
  type        = string
  default     = "https://argo.example.com"
}

variable "webhook_secret" {
  description = "Key of the deliveries' signature; the receiver checks it."
  type        = string
  sensitive   = true
}

provider "mlops" {
  namespace = "ml"
}

resource "mlops_registered_model" "churn" {
  name = "churn"
}

# Serve the champion; log what it sees for monitoring.
resource "mlops_endpoint" "churn" {
  name = "churn"

  model = {
    registered_model = mlops_registered_model.churn.name
    alias            = "champion"
  }

  scaling = { min_replicas = 2, max_replicas = 8, metric = "cpu", target = 70 }
  rollout = { steps = [10, 50], interval = "5m" }

  logger = {
    url              = "http://collector.monitoring.svc.cluster.local/events"
    mode             = "all"
    metadata_headers = ["x-request-id"]
  }
  batcher = { max_batch_size = 32, max_latency = 50, timeout = 30 }
}

# Every hour, compare what the endpoint saw with the training data.
resource "mlops_pipeline" "drift" {
  name            = "churn-drift-check"
  service_account = "pipeline-runner"
  parameters      = { model = "churn", window = "1h" }

  steps = [
    {
      name    = "collect"
      image   = "ghcr.io/acme/drift:1.2"
      command = ["python", "collect.py", "--window", "{{workflow.parameters.window}}"]
    },
    {
      name       = "compare"
      image      = "ghcr.io/acme/drift:1.2"
      command    = ["python", "compare.py", "--model", "{{workflow.parameters.model}}"]
      depends_on = ["collect"]
      timeout    = "30m"
    },
  ]

  schedule = { cron = ["0 * * * *"], timezone = "UTC", concurrency_policy = "Forbid" }
}

# Evaluate every challenger: the alias event starts a run with its version.
resource "mlops_pipeline" "evaluate" {
  name            = "churn-evaluate"
  service_account = "pipeline-runner"
  parameters      = { model = "churn", version = "0" }

  steps = [
    {
      name    = "evaluate"
      image   = "ghcr.io/acme/evaluate:1.2"
      command = ["python", "evaluate.py", "--model", "{{workflow.parameters.model}}", "--version", "{{workflow.parameters.version}}"]
      timeout = "1h"
    },
  ]

  trigger = {
    events     = ["model_version_alias.created"]
    model_name = mlops_registered_model.churn.name
    alias      = "challenger"
    parameters = { version = "version" }
  }
}

resource "mlops_registry_webhook" "evaluate" {
  name        = "churn-evaluate-challengers"
  description = "Start churn-evaluate when a version becomes the challenger"
  url         = "${var.argo_server_url}${mlops_pipeline.evaluate.event_path}"
  events      = ["model_version_alias.created"]

  # Terraform and OpenTofu 1.11+: the secret stays out of the state.
  secret_wo         = var.webhook_secret
  secret_wo_version = 1
}
