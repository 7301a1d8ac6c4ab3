# Continuous training on Argo Workflows, with no raw manifests: every week
# (or when started by hand or by a registry event), the pipeline
#
# - prepares the dataset and hands it to training as an artifact, with its
#   row count as a parameter;
# - trains on the GPU pool behind its taint, with the MLflow token from a
#   Secret, retrying when a node is lost, and reports the MLflow run id;
# - evaluates the run and reports its accuracy;
# - registers the model only when the accuracy clears min_accuracy;
# - notifies on exit, whatever the outcome.
#
# What the cluster must have first (made by your platform's usual tooling):
# Argo Workflows; the Secret mlflow (key token) and the Secret s3-creds (keys
# accesskey and secretkey) for the artifact bucket, both in var.namespace;
# nodes labelled pool=gpu and tainted nvidia.com/gpu=present:NoSchedule. The
# project's local cluster has them (scripts/kube-server.sh), and a test
# applies this example to it, has Argo's server lint it, and runs it.

terraform {
  required_providers {
    mlops = {
      source = "mlopsprovider/mlops"
    }
  }
}

variable "namespace" {
  type    = string
  default = "ml-pipelines"
}

variable "image" {
  description = "The training code's image: python -m churn.<step>."
  type        = string
  default     = "ghcr.io/acme/churn-train:1.4"
}

variable "mlflow_tracking_uri" {
  type    = string
  default = "http://mlflow.mlflow:5000"
}

variable "artifact_endpoint" {
  description = "S3-compatible endpoint of the artifact bucket, host:port."
  type        = string
  default     = "s3.amazonaws.com"
}

locals {
  mlflow_env    = { MLFLOW_TRACKING_URI = var.mlflow_tracking_uri, MLFLOW_EXPERIMENT_NAME = "churn" }
  mlflow_secret = { MLFLOW_TRACKING_TOKEN = { secret = "mlflow", key = "token" } }
}

resource "mlops_pipeline" "training" {
  name        = "churn-training"
  namespace   = var.namespace
  description = "Prepare, train on the GPU pool, evaluate, and register when the model is good enough"
  parameters  = { model_name = "churn", min_accuracy = "0.9" }

  steps = [
    {
      name    = "prepare"
      image   = var.image
      command = ["python", "-m", "churn.prepare", "--out", "/data/out", "--rows-file", "/tmp/rows"]
      outputs = {
        parameters = { rows = "/tmp/rows" }
        artifacts  = { dataset = "/data/out" }
      }
    },
    {
      name       = "train"
      image      = var.image
      command    = ["python", "-m", "churn.train", "--data", "/data/in", "--rows", "{{tasks.prepare.outputs.parameters.rows}}", "--run-id-file", "/tmp/run_id"]
      depends_on = ["prepare"]
      inputs     = { artifacts = { dataset = { from = "prepare.dataset", path = "/data/in" } } }
      outputs    = { parameters = { run_id = "/tmp/run_id" } }

      env              = local.mlflow_env
      env_from_secrets = local.mlflow_secret
      resources        = { cpu = "4", memory = "16Gi", gpu = 1 }
      node_selector    = { pool = "gpu" }
      tolerations      = [{ key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" }]
      volumes          = [{ name = "scratch", mount_path = "/scratch", empty_dir = true }]
      retry            = { limit = 2, policy = "OnError", backoff = { duration = "1m", factor = 2, max_duration = "30m" } }
      timeout          = "4h"
    },
    {
      name             = "evaluate"
      image            = var.image
      command          = ["python", "-m", "churn.evaluate", "--run-id", "{{tasks.train.outputs.parameters.run_id}}", "--accuracy-file", "/tmp/accuracy"]
      depends_on       = ["train"]
      outputs          = { parameters = { accuracy = "/tmp/accuracy" } }
      env              = local.mlflow_env
      env_from_secrets = local.mlflow_secret
    },
    {
      name             = "register"
      image            = var.image
      command          = ["python", "-m", "churn.register", "--run-id", "{{tasks.train.outputs.parameters.run_id}}", "--model", "{{workflow.parameters.model_name}}"]
      depends_on       = ["evaluate"]
      when             = "{{tasks.evaluate.outputs.parameters.accuracy}} >= {{workflow.parameters.min_accuracy}}"
      env              = local.mlflow_env
      env_from_secrets = local.mlflow_secret
    },
  ]

  on_exit = {
    image   = var.image
    command = ["python", "-m", "churn.notify", "--status", "{{workflow.status}}", "--run", "{{workflow.name}}"]
  }

  active_deadline    = "6h"
  ttl_after_finished = "72h"

  artifact_repository = {
    s3 = {
      bucket             = "ml-artifacts"
      endpoint           = var.artifact_endpoint
      key_prefix         = "churn"
      credentials_secret = "s3-creds"
    }
  }

  schedule = {
    cron               = ["0 3 * * 1"]
    timezone           = "UTC"
    concurrency_policy = "Forbid"
  }
}

output "workflow_template" {
  value = mlops_pipeline.training.workflow_template
}
