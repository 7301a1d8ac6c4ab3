data "mlops_endpoint" "churn" {
  name      = "churn"
  namespace = "ml-serving"
}

output "churn_ready" {
  value = data.mlops_endpoint.churn.ready
}
