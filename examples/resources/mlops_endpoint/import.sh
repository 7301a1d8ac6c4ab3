# An endpoint is imported as <namespace>/<name>.
terraform import mlops_endpoint.churn ml-serving/churn
