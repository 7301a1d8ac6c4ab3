# The model registry and the serving endpoint of one model, run by GitOps:
# this folder is a repository of its own (or a folder of one) in which every
# change is a pull request. The workflows in .github/workflows plan each pull
# request and comment the plan on it, with the endpoint's model and traffic
# changes called out, and apply what is merged to main once a reviewer of the
# "production" environment approves. See README.md.
#
# Credentials come from the environment, which the workflows fill from the
# repository's secrets: MLFLOW_TRACKING_URI and MLFLOW_TRACKING_TOKEN for the
# registry, KUBE_CONFIG_PATH for the cluster that runs KServe (and that keeps
# Terraform's state, see the backend below).

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    mlops = {
      # The full address, so that Terraform (registry.terraform.io) and
      # OpenTofu (whose default host is registry.opentofu.org) install the same provider.
      source  = "registry.terraform.io/mlopsprovider/mlops"
      version = "~> 0.1"
    }
  }

  # State in a Secret of the serving cluster (with a Lease as the lock), reached
  # with the same KUBE_CONFIG_PATH as the provider: no other credential needed.
  # Any other backend (s3, gcs, azurerm, remote) works the same way.
  backend "kubernetes" {
    secret_suffix = "mlops-gitops"
    namespace     = "ml-serving"
  }
}

variable "model_name" {
  description = "Name of the registered model."
  type        = string
  default     = "churn"
}

variable "namespace" {
  description = "Kubernetes namespace of the endpoint (it must exist)."
  type        = string
  default     = "ml-serving"
}

variable "artifact_root" {
  description = "Where the training pipeline stores each version's files (readable by KServe's storage initializer)."
  type        = string
  default     = "s3://acme-models/churn"
}

# Settings come from the environment: MLFLOW_TRACKING_URI,
# MLFLOW_TRACKING_TOKEN (or MLFLOW_TRACKING_USERNAME/PASSWORD),
# KUBE_CONFIG_PATH (and KUBE_CTX), MLOPS_NAMESPACE.
provider "mlops" {}

variable "training_runs" {
  description = "The MLflow run that trained each version, by its resource's name ({ v1 = \"<run id>\" }): its metrics gate the promotion. The training pipeline reports it."
  type        = map(string)
  default     = {}
}

variable "min_accuracy" {
  description = "The held-out accuracy (the metric \"accuracy\" its training logged) that a version needs to become the champion."
  type        = number
  default     = 0.9
}

# A promotion is a pull request that edits these lines: the plan comment then
# shows the endpoint's resolved_version "1" -> "2", the traffic shares, and
# the metrics of the champion and of the candidate side by side.
locals {
  champion       = "v1" # the version the endpoint serves
  canary         = "v2" # the version tried on a share of the traffic
  canary_percent = 10

  # Each version's number. (The numbers only: a reference to a whole version
  # would make every change MLflow makes to it, such as its aliases, count as
  # a change that matters to this configuration.)
  versions = {
    v1 = mlops_model_version.v1.version
    v2 = mlops_model_version.v2.version
    v3 = mlops_model_version.v3.version
  }
}

resource "mlops_registered_model" "model" {
  name        = var.model_name
  description = "Churn model, served by the endpoint below."
  tags        = { owner = "gitops" }
}

# One resource per version that may be served; a new trained version is a
# pull request that adds one. MLflow numbers versions in the order they are
# registered: depends_on keeps that order when several are created in one
# apply (else v1 might become version 2).
resource "mlops_model_version" "v1" {
  model_name = mlops_registered_model.model.name
  source     = "${var.artifact_root}/1"
  run_id     = lookup(var.training_runs, "v1", null)
}

resource "mlops_model_version" "v2" {
  model_name = mlops_registered_model.model.name
  source     = "${var.artifact_root}/2"
  run_id     = lookup(var.training_runs, "v2", null)
  depends_on = [mlops_model_version.v1]
}

resource "mlops_model_version" "v3" {
  model_name = mlops_registered_model.model.name
  source     = "${var.artifact_root}/3"
  run_id     = lookup(var.training_runs, "v3", null)
  depends_on = [mlops_model_version.v2]
}

# What each version's training logged (metrics and params of its run), read
# from MLflow at plan: the gate below checks the numbers MLflow has, and the
# plan comment shows them.
data "mlops_model_version" "trained" {
  for_each   = local.versions
  model_name = mlops_registered_model.model.name
  version    = each.value
}

# models:/churn@champion, for batch jobs and notebooks. The promotion gate: a
# pull request that makes a version below min_accuracy the champion fails
# its plan, naming this precondition, before anything moves.
resource "mlops_model_alias" "champion" {
  model_name = mlops_registered_model.model.name
  alias      = "champion"
  version    = local.versions[local.champion]

  lifecycle {
    precondition {
      condition     = try(data.mlops_model_version.trained[local.champion].metrics["accuracy"], 0) >= var.min_accuracy
      error_message = "The promotion gate: ${local.champion} (version ${local.versions[local.champion]}) has accuracy ${try(data.mlops_model_version.trained[local.champion].metrics["accuracy"], "(not logged)")}, below min_accuracy ${var.min_accuracy}; it does not become the champion."
    }
  }
}

resource "mlops_endpoint" "churn" {
  name      = "churn"
  namespace = var.namespace

  model = {
    registered_model = mlops_registered_model.model.name
    # The alias resource's version, so that the endpoint and the alias move
    # in the same apply. (With `alias = "champion"` instead, a promotion made
    # in MLflow outside this repository shows in the next plan as a change of
    # resolved_version.)
    version = mlops_model_alias.champion.version
  }

  canary = {
    registered_model = mlops_registered_model.model.name
    version          = local.versions[local.canary]
    traffic_percent  = local.canary_percent
  }

  scaling = { min_replicas = 1, max_replicas = 4 }
}

output "endpoint_url" {
  value = mlops_endpoint.churn.url
}

output "serving" {
  value = {
    model  = mlops_endpoint.churn.model.resolved_version
    canary = mlops_endpoint.churn.canary.resolved_version
  }
}
