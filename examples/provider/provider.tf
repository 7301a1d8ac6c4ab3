terraform {
  required_providers {
    mlops = {
      source = "mlopsprovider/mlops"
    }
  }
}

# Every setting can come from the environment instead (MLFLOW_TRACKING_URI,
# MLFLOW_TRACKING_TOKEN, KUBE_CONFIG_PATH, MLOPS_NAMESPACE, ...), so a
# Terraform Cloud workspace needs variables only.
provider "mlops" {
  mlflow = {
    tracking_uri = "https://mlflow.example.com"
    token        = var.mlflow_token
    max_retries  = 7
  }

  kubernetes = {
    config_path    = "~/.kube/config"
    config_context = "prod"
  }

  namespace = "ml-serving"
}

variable "mlflow_token" {
  type      = string
  sensitive = true
}
