# A registered model is imported by its name.
terraform import mlops_registered_model.churn churn
