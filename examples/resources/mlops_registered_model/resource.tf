resource "mlops_registered_model" "churn" {
  name        = "churn"
  description = "Predicts which customers will leave next month."

  tags = {
    team = "risk"
  }

  # Destroying a model that still has versions is refused unless this is true.
  force_destroy = false
}
