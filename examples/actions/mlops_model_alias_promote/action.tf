# Point the "champion" alias at each new version once it is registered
# (the action fails, and the alias stays, unless the version is READY).
# Terraform 1.14 or later.
action "mlops_model_alias_promote" "champion" {
  config {
    model_name = mlops_model_version.candidate.model_name
    alias      = "champion"
    version    = mlops_model_version.candidate.version
  }
}

resource "mlops_model_version" "candidate" {
  model_name = mlops_registered_model.churn.name
  source     = "runs:/${var.run_id}/model"
  run_id     = var.run_id

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.mlops_model_alias_promote.champion]
    }
  }
}

# Or promote a version by hand:
#   terraform apply -invoke=action.mlops_model_alias_promote.rollback
action "mlops_model_alias_promote" "rollback" {
  config {
    model_name = "churn"
    alias      = "champion"
    version    = "6"
  }
}
