package mlflow

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/retry"
)

// Building a Client: its Config, the checks of the tracking URI, the
// defaults, the credentials and the HTTP client with its TLS settings.

// Config holds what a Client needs. Only TrackingURI is required.
type Config struct {
	TrackingURI string
	// Token is sent as a Bearer token unless Username and Password are set:
	// Basic auth wins when both are given, as in MLflow's own client.
	Token    string
	Username string
	Password string

	InsecureSkipVerify bool
	// CACertFile is a PEM bundle trusted in addition to the system's roots.
	CACertFile string

	// RequestTimeout bounds one HTTP attempt; zero means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// MaxRetries is the number of retries after the first attempt; a negative
	// value means DefaultMaxRetries.
	MaxRetries int
	// MinBackoff and MaxBackoff bound the wait between attempts; zero means
	// the defaults (0.5 s and 30 s).
	MinBackoff time.Duration
	MaxBackoff time.Duration

	UserAgent string

	// HTTPClient replaces the client built from the settings above (tests).
	HTTPClient *http.Client
}

// New builds a client. It fails on a malformed tracking URI or CA file.
func New(cfg Config) (*Client, error) {
	base, err := parseTrackingURI(cfg.TrackingURI)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:       base,
		userAgent:  cfg.UserAgent,
		maxRetries: cfg.MaxRetries,
		minBackoff: cfg.MinBackoff,
		maxBackoff: cfg.MaxBackoff,
		sleep:      retry.Sleep,
	}
	c.applyDefaults()
	c.authHeader, c.secrets = authOf(cfg)
	if cfg.HTTPClient != nil {
		c.http = cfg.HTTPClient
		return c, nil
	}
	if c.http, err = newHTTPClient(cfg); err != nil {
		return nil, err
	}
	return c, nil
}

// parseTrackingURI checks the tracking URI: an http or https URL with a
// host and no credentials. Trailing slashes are dropped.
func parseTrackingURI(uri string) (*url.URL, error) {
	raw := strings.TrimSpace(uri)
	if raw == "" {
		return nil, errors.New("the tracking URI is empty")
	}
	base, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("the tracking URI %q is not a URL: %w", raw, err)
	}
	if base.Scheme != "http" && base.Scheme != "https" {
		return nil, fmt.Errorf("the tracking URI %q must start with http:// or https:// (the provider talks to an MLflow tracking server, not to a local store)", raw)
	}
	if base.Host == "" {
		return nil, fmt.Errorf("the tracking URI %q has no host", raw)
	}
	if base.User != nil {
		return nil, errors.New("the tracking URI must not carry credentials: set username and password (or token) instead")
	}
	return base, nil
}

// applyDefaults fills in the user agent, the retries and the backoff
// bounds that the configuration left out, and keeps the maximum backoff at
// least the minimum.
func (c *Client) applyDefaults() {
	if c.userAgent == "" {
		c.userAgent = "terraform-provider-mlops"
	}
	if c.maxRetries < 0 {
		c.maxRetries = DefaultMaxRetries
	}
	if c.minBackoff <= 0 {
		c.minBackoff = defaultMinBackoff
	}
	if c.maxBackoff <= 0 {
		c.maxBackoff = defaultMaxBackoff
	}
	if c.maxBackoff < c.minBackoff {
		c.maxBackoff = c.minBackoff
	}
}

// authOf is the Authorization header of the configured credentials (Basic
// auth wins over a token) and the secrets that must never reach a log line.
func authOf(cfg Config) (header string, secrets []string) {
	switch {
	case cfg.Username != "" || cfg.Password != "":
		creds := cfg.Username + ":" + cfg.Password
		enc := base64.StdEncoding.EncodeToString([]byte(creds))
		secrets = append(secrets, enc)
		if cfg.Password != "" {
			secrets = append(secrets, cfg.Password)
		}
		return "Basic " + enc, secrets
	case cfg.Token != "":
		return "Bearer " + cfg.Token, append(secrets, cfg.Token)
	}
	return "", nil
}

// newHTTPClient builds the HTTP client of the configuration: pooled
// connections, the TLS settings and the per-attempt timeout.
func newHTTPClient(cfg Config) (*http.Client, error) {
	transport := cleanhttp.DefaultPooledTransport()
	// Keep a connection per concurrent request: go-cleanhttp keeps only
	// GOMAXPROCS+1 idle connections per host, so at Terraform's
	// -parallelism=50 most requests closed their connection and the next
	// opened a new one (a TCP, and for https a TLS, handshake each, and
	// thousands of sockets in TIME_WAIT for 1000 models).
	transport.MaxIdleConnsPerHost = maxIdleConnsPerHost
	if cfg.InsecureSkipVerify || cfg.CACertFile != "" {
		tlsCfg, err := tlsConfig(cfg)
		if err != nil {
			return nil, err
		}
		transport.TLSClientConfig = tlsCfg
	}
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	return &http.Client{Transport: transport, Timeout: timeout}, nil
}

// tlsConfig is the TLS configuration for insecure_skip_verify and a CA
// file, whose certificates are trusted in addition to the system's.
func tlsConfig(cfg Config) (*tls.Config, error) {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.InsecureSkipVerify {
		tlsCfg.InsecureSkipVerify = true //nolint:gosec // the user asked for it (insecure_skip_verify)
	}
	if cfg.CACertFile != "" {
		pem, err := os.ReadFile(cfg.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("reading the CA certificate file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("the CA certificate file %s holds no PEM certificate", cfg.CACertFile)
		}
		tlsCfg.RootCAs = pool
	}
	return tlsCfg, nil
}
