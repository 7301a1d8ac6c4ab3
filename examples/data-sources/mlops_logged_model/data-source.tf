# By id, as mlflow.<flavor>.log_model returns it (model_info.model_id).
data "mlops_logged_model" "by_id" {
  model_id = "m-0123456789abcdef0123456789abcdef"
}

# By name: the newest model logged as "churn" in the experiment "churn-training".
data "mlops_logged_model" "newest" {
  experiment = "churn-training"
  name       = "churn"
}

# Register it: its source needs no hand-written models:/<model_id>.
resource "mlops_model_version" "candidate" {
  model_name = "churn"
  source     = data.mlops_logged_model.newest.source

  lifecycle {
    precondition {
      condition     = data.mlops_logged_model.newest.metrics["accuracy"] >= 0.9
      error_message = "The newest churn model scores below 0.9 accuracy: not registered."
    }
  }
}
