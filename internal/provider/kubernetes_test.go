package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// A serving resource without Kubernetes settings fails at plan time, naming
// the settings and their environment variables.
func TestAccProvider_missingKubernetes(t *testing.T) {
	acctest.PreCheckKube(t)
	t.Setenv("KUBECONFIG", "")
	t.Setenv("KUBE_CONFIG_PATH", "")
	t.Setenv("KUBE_HOST", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
resource "mlops_endpoint" "test" {
  name  = "x"
  model = { storage_uri = "s3://m/1" }
}
`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Kubernetes API server not configured.*kubernetes.config_path.*KUBE_CONFIG_PATH.*KUBECONFIG.*kubernetes.host.*KUBE_HOST`),
			},
		},
	})
}

// host, token and CA given explicitly, and an exec credential plugin, reach
// the real API server (the data source's "does not exist" proves that the
// request was authenticated and answered).
func TestAccProvider_kubernetesCredentials(t *testing.T) {
	acctest.PreCheckKube(t)
	cfg, err := clientcmd.LoadFromFile(os.Getenv("KUBECONFIG"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	cluster, user := cfg.Clusters[ctx.Cluster], cfg.AuthInfos[ctx.AuthInfo]
	plugin := filepath.Join(t.TempDir(), "token-plugin.sh")
	script := fmt.Sprintf("#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s\"}}'\n", user.Token)
	if err := os.WriteFile(plugin, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", "")
	ns := "default"
	dataSource := fmt.Sprintf(`
data "mlops_endpoint" "test" {
  name      = "no-such-endpoint"
  namespace = %q
}
`, ns)
	notFound := regexp.MustCompile(`(?s)The InferenceService default/no-such-endpoint does not exist`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
provider "mlops" {
  kubernetes = {
    host                   = %q
    token                  = %q
    cluster_ca_certificate = %q
  }
}
`, cluster.Server, user.Token, string(cluster.CertificateAuthorityData)) + dataSource,
				ExpectError: notFound,
			},
			{
				Config: fmt.Sprintf(`
provider "mlops" {
  kubernetes = {
    host                   = %q
    cluster_ca_certificate = %q
    exec = {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = %q
    }
  }
}
`, cluster.Server, string(cluster.CertificateAuthorityData), plugin) + dataSource,
				ExpectError: notFound,
			},
			{
				// A wrong token is refused by the server.
				Config: fmt.Sprintf(`
provider "mlops" {
  kubernetes = {
    host     = %q
    token    = "wrong"
    insecure = true
  }
}
`, cluster.Server) + dataSource,
				ExpectError: regexp.MustCompile(`(?s)Unauthorized`),
			},
		},
	})
}
