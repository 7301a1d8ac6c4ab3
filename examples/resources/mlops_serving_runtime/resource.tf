# vLLM for models of the format "vllm" in one namespace: an endpoint with
# model.format = "vllm" runs this image.
resource "mlops_serving_runtime" "vllm" {
  name      = "vllm"
  namespace = "ml-serving"
  formats   = [{ name = "vllm", version = "1", auto_select = true, priority = 1 }]
  protocols = ["v2"]
  container = {
    image     = "vllm/vllm-openai:v0.6.3"
    args      = ["--port=8080", "--model=/mnt/models", "--served-model-name={{.Name}}"]
    port      = 8080
    resources = { cpu = "4", memory = "16Gi", gpu = 1 }
  }
}

# A custom server for every namespace, chosen only by endpoints that name it
# (model.runtime = "acme-server").
resource "mlops_serving_runtime" "acme" {
  name         = "acme-server"
  cluster_wide = true
  formats      = [{ name = "acme", auto_select = false }]
  container = {
    image   = "ghcr.io/acme/model-server:2.0"
    command = ["acme-serve", "--model-dir=/mnt/models"]
  }
}
