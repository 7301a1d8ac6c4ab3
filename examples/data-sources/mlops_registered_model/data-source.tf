data "mlops_registered_model" "churn" {
  name = "churn"
}

output "churn_champion_version" {
  value = data.mlops_registered_model.churn.aliases["champion"]
}
