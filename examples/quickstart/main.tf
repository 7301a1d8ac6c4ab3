# The quickstart: a model trained by scripts/log_model.py is registered, given
# a version, promoted with the alias "champion", served behind an endpoint
# pinned to "champion", and retrained every night by a pipeline. The feedback
# loop: a registry webhook sends the alias events to Argo's server, where an
# evaluation pipeline's trigger turns each "challenger" into a run.
#
# Run it with ./scripts/quickstart.sh: it starts the local stack (MLflow, a
# Kubernetes cluster with KServe's and Argo's real controllers on a kwok
# node, and a development gateway that serves the models KServe was asked
# for with MLflow's model server, since kwok runs no containers), trains and
# logs the model, builds this provider and applies this configuration with it
# through dev_overrides (nothing is downloaded).

terraform {
  required_providers {
    mlops = {
      source = "mlopsprovider/mlops"
    }
  }
}

variable "model_source" {
  description = "URI of the logged model (models:/m-... for MLflow 3), from scripts/log_model.py."
  type        = string
}

variable "model_id" {
  description = "MLflow 3 logged-model id of the model."
  type        = string
}

variable "argo_server" {
  description = "URL of Argo's server, which takes the registry's events (MLOPS_ARGO_SERVER of scripts/stack.sh)."
  type        = string
}

variable "webhook_secret" {
  description = "Key of the webhook deliveries' signature."
  type        = string
  sensitive   = true
  default     = "quickstart-only-secret"
}

# Settings come from the environment that scripts/stack.sh writes:
# MLFLOW_TRACKING_URI, KUBE_CONFIG_PATH and MLOPS_NAMESPACE.
provider "mlops" {}

resource "mlops_registered_model" "churn" {
  name        = "quickstart-churn"
  description = "Quickstart: a tiny logistic regression that says whether x0 + x1 > 1."
  tags = {
    owner = "quickstart"
  }
  # ./scripts/quickstart.sh down removes everything; let destroy take the versions too.
  force_destroy = true
}

resource "mlops_model_version" "v1" {
  model_name  = mlops_registered_model.churn.name
  source      = var.model_source
  model_id    = var.model_id
  description = "Trained by scripts/log_model.py"
}

variable "min_accuracy" {
  description = "The accuracy on held-out data that a version needs to become the champion."
  type        = number
  default     = 0.9
}

# What the version's training logged (scripts/log_model.py logs its accuracy
# on held-out data): read from MLflow, so the gate below checks the numbers
# MLflow has, not numbers copied into this file.
data "mlops_model_version" "v1" {
  model_name = mlops_registered_model.churn.name
  version    = mlops_model_version.v1.version
}

# The promotion gate: "champion" moves to a version only if its accuracy
# clears the bar. A version below it fails the plan (or, for a version made
# in the same apply, the apply) before the alias moves.
resource "mlops_model_alias" "champion" {
  model_name = mlops_registered_model.churn.name
  alias      = "champion"
  version    = mlops_model_version.v1.version

  lifecycle {
    precondition {
      condition     = try(data.mlops_model_version.v1.metrics["accuracy"], 0) >= var.min_accuracy
      error_message = "Version ${mlops_model_version.v1.version} has accuracy ${try(data.mlops_model_version.v1.metrics["accuracy"], "(not logged)")}, below min_accuracy (${var.min_accuracy}): it does not become the champion."
    }
  }
}

resource "mlops_endpoint" "churn" {
  name = "churn"

  model = {
    registered_model = mlops_registered_model.churn.name
    alias            = mlops_model_alias.champion.alias
    format           = "mlflow"
    # The version is stored at an mlflow-artifacts:/ URI, which KServe's
    # default storage initializer cannot read: a ServingRuntime that loads
    # MLflow models from the registry is named here (the local cluster has
    # one, test/cluster/kserve-runtimes.yaml, with a storage container for
    # MLflow's URIs).
    runtime = "mlflow-registry"
  }

  scaling = { min_replicas = 1, max_replicas = 1 }

  timeouts {
    create = "5m"
  }
}

resource "mlops_pipeline" "nightly" {
  name        = "churn-retrain"
  description = "Nightly retraining of the quickstart model"
  # register = "false" runs the training without registering the result.
  parameters = { model_name = "quickstart-churn", register = "true" }

  steps = [
    {
      name    = "train"
      image   = "python:3.11-slim"
      command = ["sh", "-c", "pip install mlflow scikit-learn && python log_model.py --experiment quickstart"]
      timeout = "30m"
      # A failed attempt (a node lost, a pip mirror down) is tried twice more.
      retry = { limit = 2, policy = "Always", backoff = { duration = "30s", factor = 2, max_duration = "10m" } }
    },
    {
      name       = "register"
      image      = "python:3.11-slim"
      command    = ["sh", "-c", "echo register the new run as a version of {{workflow.parameters.model_name}}"]
      depends_on = ["train"]
      when       = "{{workflow.parameters.register}} == true"
    },
  ]

  # Runs after the steps, whether they succeeded or not.
  on_exit = {
    image   = "python:3.11-slim"
    command = ["sh", "-c", "echo the retraining of {{workflow.parameters.model_name}} ended {{workflow.status}}"]
  }

  schedule = {
    cron     = ["0 3 * * *"]
    timezone = "UTC"
  }
}

# The feedback loop: every version that becomes the "challenger" is evaluated.
resource "mlops_pipeline" "evaluate" {
  name        = "churn-evaluate"
  description = "Evaluate a challenger against the champion"
  parameters  = { model = "quickstart-churn", version = "0" }

  steps = [
    {
      name    = "evaluate"
      image   = "python:3.11-slim"
      command = ["sh", "-c", "echo evaluating {{workflow.parameters.model}} version {{workflow.parameters.version}}"]
    },
  ]

  trigger = {
    events     = ["model_version_alias.created"]
    model_name = mlops_registered_model.churn.name
    alias      = "challenger"
    parameters = { model = "name", version = "version" }
  }
}

resource "mlops_registry_webhook" "evaluate" {
  name        = "quickstart-evaluate-challengers"
  description = "Start the evaluation pipeline when an alias is set"
  url         = "${var.argo_server}${mlops_pipeline.evaluate.event_path}"
  events      = ["model_version_alias.created"]
  # Terraform 1.5 has no write-only attributes; with 1.11+ use secret_wo.
  secret = var.webhook_secret
}

output "endpoint_url" {
  value = mlops_endpoint.churn.url
}

output "champion_accuracy" {
  description = "The champion's accuracy on held-out data, as its training logged it in MLflow."
  value       = data.mlops_model_version.v1.metrics["accuracy"]
}

output "champion_version" {
  value = mlops_endpoint.churn.model.resolved_version
}

output "model" {
  value = mlops_registered_model.churn.name
}

output "pipeline" {
  value = mlops_pipeline.nightly.cron_workflow
}

output "evaluate_pipeline" {
  value = mlops_pipeline.evaluate.name
}
