// Package conns holds what the provider hands to its resources and data
// sources: the settings of each backend and the clients built from them.
// Clients are built once per provider instance, on first use, so that a
// user of one backend never needs the other backend's settings. Begin
// (begin.go) starts every resource operation: it reads the model and
// bounds the context by the operation's timeout.
//
// It imports kube and mlflow.
package conns

import (
	"errors"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/kube"
	"github.com/mlopsprovider/terraform-provider-mlops/internal/mlflow"
)

// ProviderData is the provider's configured state, shared by every resource.
type ProviderData struct {
	// Namespace is the default namespace of endpoints and pipelines.
	Namespace string
	Version   string
	// MLflow and Kubernetes are the backends' settings after environment
	// fallbacks, in the clients' own types (the user agent is set here).
	MLflow     mlflow.Config
	Kubernetes kube.Settings

	mlflowOnce   sync.Once
	mlflowClient *mlflow.Client
	mlflowDiags  diag.Diagnostics

	kubeOnce   sync.Once
	kubeClient *kube.Client
	kubeDiags  diag.Diagnostics

	memoMu sync.Mutex
	memo   map[string]*memoEntry
}

type memoEntry struct {
	mu  sync.Mutex
	ok  bool
	val any
}

// Memo returns what read gives for key, reading it once for the life of
// the provider process (one plan, or one apply): facts about the cluster
// that every resource of a plan would otherwise read again. Failures are
// not kept, so the next caller reads again.
func (p *ProviderData) Memo(key string, read func() (any, error)) (any, error) {
	p.memoMu.Lock()
	if p.memo == nil {
		p.memo = map[string]*memoEntry{}
	}
	e, ok := p.memo[key]
	if !ok {
		e = &memoEntry{}
		p.memo[key] = e
	}
	p.memoMu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ok {
		return e.val, nil
	}
	v, err := read()
	if err == nil {
		e.ok, e.val = true, v
	}
	return v, err
}

// KubeClient returns the Kubernetes client, building it on first use. The
// diagnostics name the missing or wrong setting and its environment variable.
func (p *ProviderData) KubeClient() (*kube.Client, diag.Diagnostics) {
	p.kubeOnce.Do(func() {
		ks := p.Kubernetes
		ks.UserAgent = fmt.Sprintf("terraform-provider-mlops/%s", p.Version)
		c, err := kube.New(ks)
		if errors.Is(err, kube.ErrNotConfigured) {
			p.kubeDiags.AddError("Kubernetes API server not configured",
				"Serving and pipeline resources need a Kubernetes API server. Set kubernetes.config_path in the provider block "+
					"(or KUBE_CONFIG_PATH, or KUBECONFIG) to use a kubeconfig file, or kubernetes.host (KUBE_HOST) with "+
					"kubernetes.token (KUBE_TOKEN) or client certificates.")
			return
		}
		if err != nil {
			p.kubeDiags.AddError("Invalid Kubernetes settings",
				fmt.Sprintf("The provider could not build a Kubernetes client: %s. Check kubernetes.config_path (KUBE_CONFIG_PATH/KUBECONFIG), "+
					"kubernetes.config_context (KUBE_CTX), kubernetes.host (KUBE_HOST) and the certificates.", err))
			return
		}
		p.kubeClient = c
	})
	return p.kubeClient, p.kubeDiags
}

// MLflowClient returns the registry client, building it on first use. The
// diagnostics name the missing or wrong setting and its environment variable.
func (p *ProviderData) MLflowClient() (*mlflow.Client, diag.Diagnostics) {
	p.mlflowOnce.Do(func() {
		s := p.MLflow
		if s.TrackingURI == "" {
			p.mlflowDiags.AddError(
				"MLflow tracking URI not configured",
				"Registry resources and data sources need the address of an MLflow tracking server. "+
					"Set mlflow.tracking_uri in the provider block, or the MLFLOW_TRACKING_URI environment variable "+
					"(for example http://127.0.0.1:5000).",
			)
			return
		}
		cfg := s
		cfg.UserAgent = fmt.Sprintf("terraform-provider-mlops/%s", p.Version)
		c, err := mlflow.New(cfg)
		if err != nil {
			p.mlflowDiags.AddError(
				"Invalid MLflow settings",
				fmt.Sprintf("The provider could not build an MLflow client: %s. Check mlflow.tracking_uri (MLFLOW_TRACKING_URI) "+
					"and mlflow.ca_cert_file (MLFLOW_TRACKING_SERVER_CERT_PATH).", err),
			)
			return
		}
		p.mlflowClient = c
	})
	return p.mlflowClient, p.mlflowDiags
}

// FromConfigure returns the provider data handed to a resource's or data
// source's Configure: nil before the provider is configured (validation),
// and an error diagnostic for data of another type.
func FromConfigure(providerData any, d *diag.Diagnostics) *ProviderData {
	if providerData == nil {
		return nil
	}
	pd, ok := providerData.(*ProviderData)
	if !ok {
		d.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *conns.ProviderData, got %T. This is a bug in the provider: please report it.", providerData))
		return nil
	}
	return pd
}

// Kube returns the Kubernetes client of p, adding the diagnostics that say
// which setting is missing (or that the provider is not configured).
func Kube(p *ProviderData, d *diag.Diagnostics) *kube.Client {
	if p == nil {
		d.AddError("Provider not configured", "The mlops provider was not configured before use. This is a bug in the provider: please report it.")
		return nil
	}
	c, cd := p.KubeClient()
	d.Append(cd...)
	return c
}

// MLflow returns the MLflow client of p, adding the diagnostics that say
// which setting is missing (or that the provider is not configured).
func MLflow(p *ProviderData, d *diag.Diagnostics) *mlflow.Client {
	if p == nil {
		d.AddError("Provider not configured", "The mlops provider was not configured before use. This is a bug in the provider: please report it.")
		return nil
	}
	c, cd := p.MLflowClient()
	d.Append(cd...)
	return c
}
