package acctest

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	sdkacctest "github.com/hashicorp/terraform-plugin-testing/helper/acctest"
)

// PreCheckKube fails the test when no Kubernetes API server is configured
// (skips it without TF_ACC, like resource.Test).
func PreCheckKube(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run it (scripts/test.sh does, after starting the servers)")
	}
	if os.Getenv("KUBECONFIG") == "" && os.Getenv("KUBE_CONFIG_PATH") == "" {
		t.Fatal("KUBECONFIG is not set: acceptance tests need a real Kubernetes API server. " +
			"Run scripts/test.sh, which starts one, or start it with scripts/kube-server.sh start.")
	}
}

var (
	kubeOnce sync.Once
	dynC     dynamic.Interface
	coreC    kubernetes.Interface
	kubeErr  error
)

func kubeClients(t *testing.T) (dynamic.Interface, kubernetes.Interface) {
	t.Helper()
	PreCheckKube(t)
	kubeOnce.Do(func() {
		path := os.Getenv("KUBE_CONFIG_PATH")
		if path == "" {
			path = os.Getenv("KUBECONFIG")
		}
		cfg, err := clientcmd.BuildConfigFromFlags("", path)
		if err != nil {
			kubeErr = err
			return
		}
		if dynC, kubeErr = dynamic.NewForConfig(cfg); kubeErr != nil {
			return
		}
		coreC, kubeErr = kubernetes.NewForConfig(cfg)
	})
	if kubeErr != nil {
		t.Fatalf("building the Kubernetes client: %v", kubeErr)
	}
	return dynC, coreC
}

// Kube returns a dynamic client of the API server under test, for changes
// made outside Terraform and for checks of what exists.
func Kube(t *testing.T) dynamic.Interface {
	d, _ := kubeClients(t)
	return d
}

// Namespace creates a fresh namespace, as a user would before applying, and
// deletes it when the test ends.
func Namespace(t *testing.T) string {
	t.Helper()
	_, core := kubeClients(t)
	name := "tfacc-" + strings.ToLower(sdkacctest.RandString(8))
	_, err := core.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = core.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	return name
}

// Core returns a typed client of the API server under test, for checks of
// what the real controllers made (Deployments, pods).
func Core(t *testing.T) kubernetes.Interface {
	_, c := kubeClients(t)
	return c
}

// Eventually retries check until it returns nil or timeout passes, and
// returns its last error: for what a controller does after the apply
// returned (garbage collection, say).
func Eventually(timeout time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}
