# A model version is imported as <model_name>/<version>.
terraform import mlops_model_version.v1 churn/1
