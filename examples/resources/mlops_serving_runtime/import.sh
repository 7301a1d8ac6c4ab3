# A ServingRuntime: <namespace>/<name>.
terraform import mlops_serving_runtime.vllm ml-serving/vllm

# A ClusterServingRuntime: its name.
terraform import mlops_serving_runtime.acme acme-server
