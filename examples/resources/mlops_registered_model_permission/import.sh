# A permission is imported as <model_name>/<username>.
terraform import mlops_registered_model_permission.serving churn/serving-bot
