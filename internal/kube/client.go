// Package kube is the provider's Kubernetes client: a REST configuration
// built from the provider's kubernetes settings (kubeconfig file and
// context, host, token, certificates, exec credentials) and dynamic clients
// for the custom resources the serving and pipeline resources manage.
//
// It is built once per provider instance, on first use; no discovery or
// OpenAPI document is fetched, since the resources know their GVRs.
//
// It also holds the one `<namespace>/<name>` ID type (id.go), and every
// request goes through methods that retry transient failures (its dynamic
// client stays private). It imports retry only.
package kube

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	retrypkg "github.com/mlopsprovider/terraform-provider-mlops/internal/retry"
)

// FieldManager is the server-side apply field manager of the provider.
const FieldManager = "terraform-provider-mlops"

// ClientQPS and ClientBurst bound the client's request rate (see RESTConfig).
const (
	ClientQPS   = 1000
	ClientBurst = 2000
)

// Settings are the provider's Kubernetes settings after environment fallbacks.
type Settings struct {
	ConfigPath           string
	ConfigContext        string
	Host                 string
	Token                string
	ClusterCACertificate string
	ClientCertificate    string
	ClientKey            string
	Insecure             bool
	Exec                 *ExecSettings
	UserAgent            string
}

// ExecSettings describe an exec credential plugin.
type ExecSettings struct {
	APIVersion string
	Command    string
	Args       []string
	Env        map[string]string
}

// ErrNotConfigured says that neither a kubeconfig nor a host was given.
var ErrNotConfigured = errors.New("no Kubernetes API server configured")

// RESTConfig builds the client configuration. Explicit settings override
// the kubeconfig's values.
func RESTConfig(s Settings) (*rest.Config, error) {
	if s.ConfigPath == "" && s.Host == "" {
		return nil, ErrNotConfigured
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: s.ConfigContext}
	if s.Host != "" {
		overrides.ClusterInfo.Server = s.Host
	}
	if s.ClusterCACertificate != "" {
		overrides.ClusterInfo.CertificateAuthorityData = []byte(s.ClusterCACertificate)
	}
	if s.Insecure {
		overrides.ClusterInfo.InsecureSkipTLSVerify = true
	}
	if s.Token != "" {
		overrides.AuthInfo.Token = s.Token
	}
	if s.ClientCertificate != "" {
		overrides.AuthInfo.ClientCertificateData = []byte(s.ClientCertificate)
	}
	if s.ClientKey != "" {
		overrides.AuthInfo.ClientKeyData = []byte(s.ClientKey)
	}
	if s.Exec != nil {
		env := make([]clientcmdapi.ExecEnvVar, 0, len(s.Exec.Env))
		for k, v := range s.Exec.Env {
			env = append(env, clientcmdapi.ExecEnvVar{Name: k, Value: v})
		}
		overrides.AuthInfo.Exec = &clientcmdapi.ExecConfig{
			APIVersion:      s.Exec.APIVersion,
			Command:         s.Exec.Command,
			Args:            s.Exec.Args,
			Env:             env,
			InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
		}
	}

	var cfg *rest.Config
	var err error
	if s.ConfigPath != "" {
		rules := &clientcmd.ClientConfigLoadingRules{}
		for _, p := range filepath.SplitList(s.ConfigPath) {
			rules.Precedence = append(rules.Precedence, expandHome(p))
		}
		if len(rules.Precedence) == 1 {
			rules.ExplicitPath = rules.Precedence[0]
			if _, statErr := os.Stat(rules.ExplicitPath); statErr != nil {
				return nil, fmt.Errorf("reading the kubeconfig %s: %w", rules.ExplicitPath, statErr)
			}
		}
		cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	} else {
		cfg, err = clientcmd.NewDefaultClientConfig(*clientcmdapi.NewConfig(), overrides).ClientConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("building the Kubernetes client configuration: %w", err)
	}
	// The provider may manage many objects in one run, and Terraform, not
	// this client, bounds how many requests are in flight (-parallelism,
	// each refresh one GET). The client's token bucket must not be what
	// slows a large refresh down: at 100 per second with a burst of 200, the
	// 1000 GETs of a 1000-endpoint refresh needed at least 8 s. It stays as a guard
	// against a runaway loop; the API server's priority and fairness does
	// the rest.
	cfg.QPS = ClientQPS
	cfg.Burst = ClientBurst
	cfg.UserAgent = s.UserAgent
	return cfg, nil
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	return p
}

// Client reaches one Kubernetes API server.
type Client struct {
	dyn dynamic.Interface
}

// New builds a client from the settings.
func New(s Settings) (*Client, error) {
	cfg, err := RESTConfig(s)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the Kubernetes client: %w", err)
	}
	return &Client{dyn: dyn}, nil
}

// NewFromDynamic wraps an existing dynamic client (tests and tools).
func NewFromDynamic(dyn dynamic.Interface) *Client { return &Client{dyn: dyn} }

// resource returns the dynamic client of one namespaced resource. It stays
// private: every request goes through the methods below, which retry.
func (c *Client) resource(gvr schema.GroupVersionResource, namespace string) dynamic.ResourceInterface {
	return c.dyn.Resource(gvr).Namespace(namespace)
}

// retryFor bounds how long Get, Apply and Delete retry a request that
// failed transiently (see Transient): long enough for an API server restart,
// short enough that a server that is down fails a plan soon.
const retryFor = time.Minute

// retry calls call until it succeeds, fails for good, ctx ends, or retryFor
// has passed. Only idempotent requests are retried: a GET, a server-side
// apply (the same patch twice is the same object) and a DELETE.
func retry[T any](ctx context.Context, call func() (T, error)) (T, error) {
	v, err := retrypkg.Do(ctx, transientRetries, Transient, call)
	return v, deadlineIfThrottled(err)
}

// deadlineIfThrottled makes client-go's rate limiter's refusal (the
// request's turn would come after ctx's deadline) the deadline error it
// stands for, so that callers report a timeout and not a failed request.
func deadlineIfThrottled(err error) error {
	if err != nil && throttledPastDeadline(err) {
		return fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
	}
	return err
}

// throttledPastDeadline reports whether client-go's rate limiter refused to
// send a request because its turn would come after ctx's deadline. The
// refusal is not a typed error (client-go wraps x/time/rate's plain
// message), and it means the deadline is as good as reached: a request
// fails with the deadline (deadlineIfThrottled), and a watch's wait ends as
// ctx does, with what it knows of the server.
func throttledPastDeadline(err error) bool {
	return strings.Contains(err.Error(), "rate limiter Wait returned an error") &&
		strings.Contains(err.Error(), "would exceed context deadline")
}

// transientRetries is how Get, Apply, Delete and a watch's reconnects wait.
var transientRetries = retrypkg.Policy{First: 100 * time.Millisecond, Max: 2 * time.Second, For: retryFor}

// Get reads one object.
func (c *Client) Get(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string) (*unstructured.Unstructured, error) {
	return retry(ctx, func() (*unstructured.Unstructured, error) {
		return c.resource(gvr, namespace).Get(ctx, name, metav1.GetOptions{})
	})
}

// Apply server-side-applies obj with the provider's field manager, taking
// ownership of the fields it sets.
func (c *Client) Apply(ctx context.Context, gvr schema.GroupVersionResource, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	data, err := obj.MarshalJSON()
	if err != nil {
		return nil, err
	}
	force := true
	return retry(ctx, func() (*unstructured.Unstructured, error) {
		return c.resource(gvr, obj.GetNamespace()).Patch(ctx, obj.GetName(), types.ApplyPatchType, data,
			metav1.PatchOptions{FieldManager: FieldManager, Force: &force})
	})
}

// Delete deletes one object; an object already gone is success, a type
// the API server does not serve is an error (see IsObjectNotFound).
func (c *Client) Delete(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string) error {
	policy := metav1.DeletePropagationBackground
	_, err := retry(ctx, func() (struct{}, error) {
		return struct{}{}, c.resource(gvr, namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy})
	})
	if IsObjectNotFound(err) {
		return nil
	}
	return err
}

// GetOptional reads one object; nil, without an error, when there is none.
// A type the API server does not serve is an error, not an absence.
func (c *Client) GetOptional(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string) (*unstructured.Unstructured, error) {
	obj, err := c.Get(ctx, gvr, namespace, name)
	if IsObjectNotFound(err) {
		return nil, nil
	}
	return obj, err
}

// CheckAbsent is the look before a create: nil when the object does not
// exist, an *ExistsError when it does, else the Get's error.
func (c *Client) CheckAbsent(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string) error {
	obj, err := c.GetOptional(ctx, gvr, namespace, name)
	if obj != nil {
		return &ExistsError{Kind: obj.GetKind(), ID: IDOf(obj)}
	}
	return err
}

// ExistsError is an object that a create found there already.
type ExistsError struct {
	Kind string // the object's kind, such as "InferenceService"
	ID   ID
}

func (e *ExistsError) Error() string { return fmt.Sprintf("the %s %s exists already", e.Kind, e.ID) }

// Patch patches one object with the provider's field manager. Only a patch
// that gives the same object when sent twice (a merge patch that sets
// values) may be sent through it, since it is retried.
func (c *Client) Patch(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string, pt types.PatchType, data []byte) (*unstructured.Unstructured, error) {
	return retry(ctx, func() (*unstructured.Unstructured, error) {
		return c.resource(gvr, namespace).Patch(ctx, name, pt, data, metav1.PatchOptions{FieldManager: FieldManager})
	})
}

// Create creates one object with the provider's field manager, once: a
// create sent twice is not the same as once, so the caller decides what
// may be retried.
func (c *Client) Create(ctx context.Context, gvr schema.GroupVersionResource, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	created, err := c.resource(gvr, obj.GetNamespace()).Create(ctx, obj, metav1.CreateOptions{FieldManager: FieldManager})
	return created, deadlineIfThrottled(err)
}

// DeleteAndWait deletes one object and watches until it is gone. When ctx
// ends first, the error is a *StillThereError with the object as last seen.
func (c *Client) DeleteAndWait(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string) error {
	if err := c.Delete(ctx, gvr, namespace, name); err != nil {
		return err
	}
	last, gone, err := c.WaitFor(ctx, gvr, namespace, name, func(*unstructured.Unstructured) (bool, error) { return false, nil })
	if err != nil || !gone {
		return &StillThereError{Resource: gvr.Resource, ID: ID{Namespace: namespace, Name: name}, Last: last, Err: err}
	}
	return nil
}

// StillThereError is an object that was deleted but had not gone when the
// wait ended.
type StillThereError struct {
	Resource string
	ID       ID
	Last     *unstructured.Unstructured
	Err      error
}

func (e *StillThereError) Error() string {
	msg := fmt.Sprintf("the %s %s was deleted but is still there", e.Resource, e.ID)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *StillThereError) Unwrap() error { return e.Err }

// Finalizers are what the object waits for, as last seen.
func (e *StillThereError) Finalizers() []string {
	if e.Last == nil {
		return nil
	}
	return e.Last.GetFinalizers()
}

// IsObjectNotFound reports a 404 for a missing object of a type the API
// server serves (its status names the object), as opposed to a type it does
// not serve at all (a custom resource whose CRD is not installed).
func IsObjectNotFound(err error) bool {
	var se apierrors.APIStatus
	if !apierrors.IsNotFound(err) || !errors.As(err, &se) {
		return false
	}
	d := se.Status().Details
	return d != nil && d.Name != ""
}

// IsNamespaceNotFound reports a 404 for a missing namespace: what a write
// into a namespace that does not exist answers.
func IsNamespaceNotFound(err error) bool {
	var se apierrors.APIStatus
	if !apierrors.IsNotFound(err) || !errors.As(err, &se) {
		return false
	}
	d := se.Status().Details
	return d != nil && d.Kind == "namespaces" && d.Group == ""
}
