data "mlops_model_versions" "validated" {
  model_name = "churn"
  filter     = "tags.validated = 'true'"
}

output "validated_versions" {
  value = [for v in data.mlops_model_versions.validated.versions : v.version]
}
