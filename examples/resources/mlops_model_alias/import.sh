# A model alias is imported as <model_name>@<alias>.
terraform import mlops_model_alias.champion churn@champion
