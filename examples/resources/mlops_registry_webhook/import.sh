# A webhook is imported by MLflow's webhook id.
terraform import mlops_registry_webhook.evaluate 2b9c0a6b1d8e4f3a9c7e5d1f0a2b4c6d
