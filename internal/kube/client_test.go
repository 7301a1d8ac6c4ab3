package kube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

const twoContexts = `apiVersion: v1
kind: Config
clusters:
- name: dev
  cluster: {server: "https://dev.example.com:6443", insecure-skip-tls-verify: true}
- name: prod
  cluster: {server: "https://prod.example.com:6443", insecure-skip-tls-verify: true}
users:
- name: dev-user
  user: {token: dev-token}
- name: prod-user
  user: {token: prod-token}
contexts:
- name: dev
  context: {cluster: dev, user: dev-user}
- name: prod
  context: {cluster: prod, user: prod-user}
current-context: dev
`

func kubeconfig(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, []byte(twoContexts), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRESTConfigFromKubeconfig(t *testing.T) {
	path := kubeconfig(t)
	cfg, err := RESTConfig(Settings{ConfigPath: path})
	if err != nil || cfg.Host != "https://dev.example.com:6443" || cfg.BearerToken != "dev-token" {
		t.Fatalf("current context: %v %+v", err, cfg)
	}
	cfg, err = RESTConfig(Settings{ConfigPath: path, ConfigContext: "prod"})
	if err != nil || cfg.Host != "https://prod.example.com:6443" || cfg.BearerToken != "prod-token" {
		t.Fatalf("config_context prod: %v %+v", err, cfg)
	}
	if _, err := RESTConfig(Settings{ConfigPath: path, ConfigContext: "staging"}); err == nil {
		t.Fatal("an unknown context must be an error")
	}
}

func TestRESTConfigOverrides(t *testing.T) {
	cfg, err := RESTConfig(Settings{ConfigPath: kubeconfig(t), Host: "https://other:6443", Token: "explicit"})
	if err != nil || cfg.Host != "https://other:6443" || cfg.BearerToken != "explicit" {
		t.Fatalf("explicit settings win over the kubeconfig: %v %+v", err, cfg)
	}
}

func TestRESTConfigWithoutKubeconfig(t *testing.T) {
	cfg, err := RESTConfig(Settings{Host: "https://k:6443", Token: "t", Insecure: true})
	if err != nil || cfg.Host != "https://k:6443" || cfg.BearerToken != "t" || !cfg.Insecure {
		t.Fatalf("%v %+v", err, cfg)
	}
	cfg, err = RESTConfig(Settings{Host: "https://k:6443", Exec: &ExecSettings{
		APIVersion: "client.authentication.k8s.io/v1beta1", Command: "aws", Args: []string{"eks", "get-token"}, Env: map[string]string{"A": "b"},
	}})
	if err != nil || cfg.ExecProvider == nil || cfg.ExecProvider.Command != "aws" || len(cfg.ExecProvider.Env) != 1 {
		t.Fatalf("exec: %v %+v", err, cfg)
	}
	if cfg.QPS < 50 || cfg.Burst < 100 {
		t.Fatalf("the client must not throttle a large apply: QPS %v Burst %d", cfg.QPS, cfg.Burst)
	}
}

func TestRESTConfigErrors(t *testing.T) {
	if _, err := RESTConfig(Settings{}); !errors.Is(err, ErrNotConfigured) {
		t.Fatalf("no settings: %v", err)
	}
	if _, err := RESTConfig(Settings{ConfigPath: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Fatal("a missing kubeconfig must be an error")
	}
}

func TestExpandHome(t *testing.T) {
	home, _ := os.UserHomeDir()
	if got := expandHome("~/.kube/config"); got != filepath.Join(home, ".kube/config") {
		t.Fatalf("got %s", got)
	}
	if got := expandHome("/etc/kube"); got != "/etc/kube" {
		t.Fatalf("got %s", got)
	}
}

// A request that client-go's rate limiter will not send before the deadline
// fails with the deadline, as a request that ran out of time does, not with
// the limiter's own message.
func TestRequestThrottledPastDeadline(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"apiVersion":"serving.kserve.io/v1beta1","kind":"InferenceService","metadata":{"name":"e","namespace":"ns"}}`)
	}))
	defer srv.Close()
	dyn, err := dynamic.NewForConfig(&rest.Config{Host: srv.URL, QPS: 1, Burst: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := NewFromDynamic(dyn)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if _, err := c.Get(ctx, testGVR, "ns", "e"); err != nil {
		t.Fatalf("the first request has the limiter's one token: %v", err)
	}
	_, err = c.Get(ctx, testGVR, "ns", "e") // its turn comes after a second
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the deadline, got %v", err)
	}
	_, err = c.Create(ctx, testGVR, &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": "f", "namespace": "ns"}}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the deadline from Create, got %v", err)
	}
}
