# A company's first real endpoints, with no raw manifests:
#
# - churn: a scikit-learn model in a private bucket, read through its own
#   service account, on the GPU pool behind its taint, with a feature
#   transformer in front, a token from a Secret, limits above the requests,
#   and KEDA scaling on the request rate;
# - llm: an LLM served by vLLM, through a ServingRuntime that maps the
#   format "vllm" to vLLM's image.
#
# What the cluster must have first (made by your platform's usual tooling):
# KServe (Standard mode) and KEDA; the ServiceAccount churn-models listing a
# Secret with the bucket's credentials and KServe's S3 annotations
# (serving.kserve.io/s3-endpoint, ...); the Secrets hf (key token) and
# registry-creds; the PriorityClass serving-high; nodes labelled pool=gpu
# and tainted nvidia.com/gpu=present:NoSchedule. The project's local cluster
# has them (scripts/kube-server.sh), and a test applies this example to it.

terraform {
  required_providers {
    mlops = {
      source = "mlopsprovider/mlops"
    }
  }
}

variable "namespace" {
  type    = string
  default = "ml-serving"
}

locals {
  gpu_pool = {
    node_selector      = { pool = "gpu" }
    tolerations        = [{ key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" }]
    image_pull_secrets = ["registry-creds"]
    priority_class     = "serving-high"
  }
}

resource "mlops_endpoint" "churn" {
  name      = "churn"
  namespace = var.namespace

  model = {
    storage_uri      = "s3://acme-models/churn/7"
    format           = "sklearn"
    args             = ["--workers=2"]
    env_from_secrets = { FEATURE_STORE_TOKEN = { secret = "hf", key = "token" } }
    resources = {
      cpu    = "1"
      memory = "2Gi"
      gpu    = 1
      limits = { cpu = "4", memory = "8Gi" }
    }
  }

  # KServe's storage initializer reads the bucket with the credentials of
  # this account's Secret: no key is in the Terraform state.
  pod = merge(local.gpu_pool, { service_account = "churn-models" })

  transformer = {
    image   = "ghcr.io/acme/churn-features:1.4"
    command = ["python", "-m", "features"]
    env     = { FEATURE_SET = "v3" }
  }

  request_timeout       = "60s"
  container_concurrency = 8

  scaling = {
    min_replicas = 1
    max_replicas = 4
    class        = "keda"
    prometheus = {
      server = "http://prometheus.monitoring:9090"
      query  = "sum(rate(requests_total{service=\"churn\"}[1m]))"
      target = 50
    }
  }

  rollout = { steps = [10, 50], interval = "60s" }
}

# vLLM serves models of the format "vllm" in this namespace.
resource "mlops_serving_runtime" "vllm" {
  name      = "vllm"
  namespace = var.namespace
  formats   = [{ name = "vllm", version = "1", auto_select = true, priority = 1 }]
  protocols = ["v2"]
  container = {
    image     = "vllm/vllm-openai:v0.6.3"
    command   = ["python3", "-m", "vllm.entrypoints.openai.api_server"]
    args      = ["--port=8080", "--model=/mnt/models", "--served-model-name={{.Name}}"]
    port      = 8080
    resources = { cpu = "4", memory = "16Gi", gpu = 1 }
  }
}

resource "mlops_endpoint" "llm" {
  name      = "llm"
  namespace = var.namespace

  model = {
    storage_uri      = "s3://acme-models/llm/mistral-7b"
    format           = "vllm"
    format_version   = "1"
    runtime          = mlops_serving_runtime.vllm.name # created in the same apply
    env_from_secrets = { HF_TOKEN = { secret = "hf", key = "token" } }
  }
  pod = merge(local.gpu_pool, { service_account = "churn-models" })
}

output "churn_url" {
  value = mlops_endpoint.churn.url
}

output "llm_url" {
  value = mlops_endpoint.llm.url
}
