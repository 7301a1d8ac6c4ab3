# Serve the version that the "champion" alias points at. The alias is
# resolved during plan: when it moves, the plan shows resolved_version
# changing, and the apply rolls the new version out in two steps.
resource "mlops_endpoint" "churn" {
  name      = "churn"
  namespace = "ml-serving"

  model = {
    registered_model = "churn"
    alias            = "champion"
    format           = "mlflow"
    protocol         = "v2"
    env              = { LOG_LEVEL = "info" }
    resources        = { cpu = "1", memory = "2Gi" }
  }

  # Standard mode scales with a HorizontalPodAutoscaler: cpu or memory.
  scaling = { min_replicas = 1, max_replicas = 4, metric = "cpu", target = 70 }

  labels      = { team = "risk" }
  annotations = { "prometheus.io/scrape" = "true" }

  rollout = {
    steps    = [10, 50]
    interval = "60s"
  }

  timeouts {
    create = "20m"
    update = "30m"
  }
}

# A static canary: version 8 takes 10% of the traffic of a second endpoint.
resource "mlops_endpoint" "churn_canary" {
  name      = "churn-canary"
  namespace = "ml-serving"

  model = {
    registered_model = "churn"
    version          = "7"
  }

  canary = {
    registered_model = "churn"
    version          = "8"
    traffic_percent  = 10
  }
}

output "churn_url" {
  value = mlops_endpoint.churn.url
}

# A custom server on the GPU pool, reading a private bucket through its own
# service account, with a token from a Secret and a transformer in front.
# examples/production has the whole setup.
resource "mlops_endpoint" "llm" {
  name      = "llm"
  namespace = "ml-serving"

  model = { storage_uri = "s3://acme-models/llm/mistral-7b" }

  container = {
    image            = "ghcr.io/acme/llm-server:1.4"
    command          = ["python", "-m", "server"]
    args             = ["--max-model-len=8192"]
    port             = 8080
    env_from_secrets = { HF_TOKEN = { secret = "hf", key = "token" } }
    resources        = { cpu = "4", memory = "16Gi", gpu = 1, limits = { cpu = "8", memory = "32Gi" } }
  }

  transformer = {
    image = "ghcr.io/acme/llm-tokenizer:1.4"
  }

  pod = {
    service_account = "llm-models"
    node_selector   = { pool = "gpu" }
    tolerations     = [{ key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" }]
  }

  request_timeout = "120s"
  scaling         = { min_replicas = 1, max_replicas = 2, class = "none" }
}
