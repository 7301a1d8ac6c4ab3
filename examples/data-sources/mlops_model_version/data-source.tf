# By alias.
data "mlops_model_version" "champion" {
  model_name = "churn"
  alias      = "champion"
}

# By number.
data "mlops_model_version" "v3" {
  model_name = "churn"
  version    = "3"
}

# With neither: the highest version whose status is READY.
data "mlops_model_version" "newest" {
  model_name = "churn"
}

# Gate on the version's metrics (from its logged model, else its run): the
# plan fails when the champion scores below 0.9 accuracy.
resource "terraform_data" "deploy_gate" {
  input = data.mlops_model_version.champion.version

  lifecycle {
    precondition {
      condition     = data.mlops_model_version.champion.metrics["accuracy"] >= 0.9
      error_message = "The champion's accuracy is below 0.9."
    }
  }
}
