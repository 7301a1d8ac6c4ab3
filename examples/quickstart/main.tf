# The quickstart: a model trained by scripts/log_model.py is registered,
# given a version and promoted with the alias "champion".
#
# Run it with ./scripts/quickstart.sh, which starts a local MLflow server,
# trains and logs the model, builds this provider and applies this
# configuration with it (through dev_overrides: nothing is downloaded).

terraform {
  required_providers {
    mlops = {
      source = "mlopsprovider/mlops"
    }
  }
}

variable "run_id" {
  description = "MLflow run that logged the trained model (under the artifact path \"model\")."
  type        = string
}

# Settings come from the environment: MLFLOW_TRACKING_URI.
provider "mlops" {}

resource "mlops_registered_model" "churn" {
  name        = "quickstart-churn"
  description = "Quickstart: a tiny logistic regression that says whether x0 + x1 > 1."
  tags = {
    owner = "quickstart"
  }
  # The quickstart's stop command removes everything; let destroy take the versions too.
  force_destroy = true
}

resource "mlops_model_version" "v1" {
  model_name  = mlops_registered_model.churn.name
  source      = "runs:/${var.run_id}/model"
  description = "Trained by scripts/log_model.py"
}

resource "mlops_model_alias" "champion" {
  model_name = mlops_registered_model.churn.name
  alias      = "champion"
  version    = mlops_model_version.v1.version
}

output "model" {
  value = mlops_registered_model.churn.name
}

output "champion_version" {
  value = mlops_model_alias.champion.version
}

output "champion_storage_location" {
  value = mlops_model_version.v1.storage_location
}

output "model_uri" {
  value = "models:/${mlops_registered_model.churn.name}@${mlops_model_alias.champion.alias}"
}
