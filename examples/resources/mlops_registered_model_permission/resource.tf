# Who may do what with a model, reviewed in pull requests. Needs an MLflow
# server that runs MLflow's authentication app, and provider credentials
# with MANAGE on the model (or an admin's):
#
#   provider "mlops" {
#     mlflow = { tracking_uri = "https://mlflow.example.com", username = "ci", password = var.mlflow_password }
#   }

# The serving team may load and serve the model, but not change it.
resource "mlops_registered_model_permission" "serving" {
  model_name = mlops_registered_model.churn.name
  username   = "serving-bot"
  permission = "USE"
}

# The model's owners may change it and manage its permissions.
resource "mlops_registered_model_permission" "owners" {
  model_name = mlops_registered_model.churn.name
  username   = "alice"
  permission = "MANAGE"
}
