# A pipeline is imported as <namespace>/<name>; the schedule comes along when
# a CronWorkflow of the same name exists.
terraform import mlops_pipeline.retrain ml-pipelines/churn-retrain
