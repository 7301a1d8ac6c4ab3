variable "webhook_secret" {
  type      = string
  sensitive = true
}

# Start the evaluation pipeline whenever an alias is set on a version: the
# pipeline's event_path on Argo's server is the receiver.
resource "mlops_registry_webhook" "evaluate" {
  name        = "evaluate-challengers"
  description = "Start the evaluation pipeline"
  url         = "https://argo.example.com/api/v1/events/ml-pipelines/evaluate"
  events      = ["model_version_alias.created"]
  status      = "ACTIVE"

  # Terraform and OpenTofu 1.11+: the secret never lands in the plan or state.
  secret_wo         = var.webhook_secret
  secret_wo_version = 1
}
