# Promote a version: point the "champion" alias at it. Changing version
# moves the alias in place.
resource "mlops_model_alias" "champion" {
  model_name = mlops_registered_model.churn.name
  alias      = "champion"
  version    = mlops_model_version.v1.version
}
