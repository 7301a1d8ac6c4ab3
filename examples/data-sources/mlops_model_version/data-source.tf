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
