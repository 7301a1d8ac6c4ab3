resource "mlops_registered_model" "churn" {
  name = "churn"
}

# A version registered from a model logged by a training run.
resource "mlops_model_version" "v1" {
  model_name  = mlops_registered_model.churn.name
  source      = "runs:/0f4c2b7e9a8d4c1b8e6f5a4d3c2b1a09/model"
  description = "Gradient boosting, trained on November's data."

  tags = {
    dataset = "2026-11"
  }

  timeouts {
    create = "15m"
  }
}

output "churn_v1_location" {
  value = mlops_model_version.v1.storage_location
}
