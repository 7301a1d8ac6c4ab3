// Package mlflow is a client for the MLflow REST API (/api/2.0/mlflow/...)
// as the provider needs it: the Model Registry (registered models,
// versions, aliases: registry.go, with the checked creates of
// create_checked.go), registry webhooks (webhooks.go), the authentication
// app's users and model permissions (permissions.go), and logged models
// and the lineage of runs (lineage.go). It speaks to open-source MLflow 2.x
// and 3.x and to any server that implements the same API.
//
// Requests are retried with exponential backoff and jitter on 408, 429 and
// 5xx answers and on connection errors, honouring Retry-After, up to
// Config.MaxRetries times and never past the context's deadline. Credentials
// are never written to a log line.
//
// It retries with the retry package, and imports nothing else of the
// provider's.
package mlflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/retry"
)

// Defaults match MLflow's own Python client.
const (
	DefaultRequestTimeout = 120 * time.Second
	DefaultMaxRetries     = 7
	defaultMinBackoff     = 500 * time.Millisecond
	defaultMaxBackoff     = 30 * time.Second
	logSubsystem          = "mlflow"
	maxErrorBodyBytes     = 4096
	maxIdleConnsPerHost   = 100
)

// Client calls one MLflow server. It is safe for concurrent use.
type Client struct {
	base       *url.URL
	http       *http.Client
	authHeader string
	secrets    []string
	userAgent  string
	maxRetries int
	minBackoff time.Duration
	maxBackoff time.Duration
	sleep      func(context.Context, time.Duration) error
}

// TrackingURI returns the server's base URI.
func (c *Client) TrackingURI() string { return c.base.String() }

// request describes one API call.
type request struct {
	method string
	path   string // relative to /api/<api>/mlflow/
	api    string // the API version: "2.0" when empty, "3.0" for the grants
	query  url.Values
	body   any
	// idempotent requests are retried on every retryable failure; the others
	// only where the server cannot have acted on them (429, 503, and a
	// connection that was never made), so that a retry never creates an object
	// twice.
	idempotent bool
}

func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	return c.do(ctx, request{method: http.MethodGet, path: path, query: query, idempotent: true}, out)
}

// credentials names the credentials the client sends (Basic auth wins).
func (c *Client) credentials() Credentials {
	switch {
	case strings.HasPrefix(c.authHeader, "Basic "):
		return CredentialsBasic
	case strings.HasPrefix(c.authHeader, "Bearer "):
		return CredentialsToken
	}
	return CredentialsNone
}

// do sends req, retrying as the package comment says, and decodes a 2xx JSON
// answer into out (when out is not nil).
func (c *Client) do(ctx context.Context, req request, out any) error {
	ctx = tflog.NewSubsystem(ctx, logSubsystem)
	ctx = tflog.SubsystemMaskMessageStrings(ctx, logSubsystem, c.secrets...)
	ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, logSubsystem, c.secrets...)

	var payload []byte
	if req.body != nil {
		var err error
		payload, err = json.Marshal(req.body)
		if err != nil {
			return fmt.Errorf("encoding the request to %s: %w", req.path, err)
		}
	}
	u := *c.base
	api := req.api
	if api == "" {
		api = "2.0"
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/api/" + api + "/mlflow/" + req.path
	if len(req.query) > 0 {
		u.RawQuery = req.query.Encode()
	}

	var status int
	var sleepErr error
	policy := c.retryPolicy()
	policy.Sleep = func(ctx context.Context, d time.Duration) error { sleepErr = c.sleep(ctx, d); return sleepErr }
	policy.OnRetry = func(try int, wait time.Duration, err error) {
		tflog.SubsystemWarn(ctx, logSubsystem, "retrying MLflow request", map[string]any{
			"method": req.method, "path": req.path, "attempt": try + 1,
			"status": status, "wait": wait.String(), "error": err.Error(),
		})
	}
	again := func(err error) bool { return ctx.Err() == nil && retryable(req, status, err) }
	_, err := retry.Do(ctx, policy, again, func() (struct{}, error) {
		var retryAfter time.Duration
		var err error
		status, retryAfter, err = c.attempt(ctx, req, u.String(), payload, out)
		if err != nil && retryAfter > 0 {
			return struct{}{}, hinted{err, retryAfter}
		}
		return struct{}{}, err
	})
	var h hinted
	if errors.As(err, &h) {
		err = h.error
	}
	switch {
	case err == nil:
		return nil
	case sleepErr != nil:
		return fmt.Errorf("%w (gave up waiting to retry: %w)", err, sleepErr)
	case ctx.Err() != nil:
		return fmt.Errorf("MLflow %s %s: %w", req.method, req.path, ctx.Err())
	}
	return err
}

// retryPolicy is how a request is retried: exponential backoff from
// min_backoff with full jitter in its upper half, each wait at most
// max_backoff (a server's Retry-After too), max_retries retries.
func (c *Client) retryPolicy() retry.Policy {
	return retry.Policy{First: c.minBackoff, Max: c.maxBackoff, Jitter: true, Tries: c.maxRetries + 1}
}

// hinted is a failed attempt with the server's Retry-After.
type hinted struct {
	error
	after time.Duration
}

func (h hinted) RetryAfter() time.Duration { return h.after }
func (h hinted) Unwrap() error             { return h.error }

// attempt makes one HTTP request. It returns the status (0 when no answer
// came), the server's Retry-After, and the error.
func (c *Client) attempt(ctx context.Context, req request, target string, payload []byte, out any) (int, time.Duration, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, target, body)
	if err != nil {
		return 0, 0, fmt.Errorf("building MLflow request %s %s: %w", req.method, req.path, err)
	}
	if payload != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", c.userAgent)
	if c.authHeader != "" {
		hreq.Header.Set("Authorization", c.authHeader)
	}

	start := time.Now()
	resp, err := c.http.Do(hreq)
	if err != nil {
		tflog.SubsystemDebug(ctx, logSubsystem, "MLflow request failed", map[string]any{
			"method": req.method, "path": req.path, "error": err.Error(),
		})
		ce := &connError{method: req.method, path: req.path, err: err}
		// The operation's own deadline (a resource's timeouts) is ctx's; a
		// timeout while ctx is live is the client's per-request limit.
		var ne net.Error
		if ctx.Err() == nil && errors.As(err, &ne) && ne.Timeout() {
			ce.requestTimeout = c.http.Timeout
		}
		return 0, 0, ce
	}
	defer func() { _ = resp.Body.Close() }()
	tflog.SubsystemDebug(ctx, logSubsystem, "MLflow request", map[string]any{
		"method": req.method, "path": req.path, "status": resp.StatusCode,
		"duration_ms": time.Since(start).Milliseconds(),
	})

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			return resp.StatusCode, 0, nil
		}
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return resp.StatusCode, 0, &connError{method: req.method, path: req.path, err: err}
		}
		if len(bytes.TrimSpace(data)) == 0 {
			return resp.StatusCode, 0, nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, 0, fmt.Errorf("MLflow %s %s: the answer is not the JSON expected (%w): %s", req.method, req.path, err, truncate(string(data), 200))
		}
		return resp.StatusCode, 0, nil
	}

	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyBytes))
	apiErr := &APIError{Method: req.method, Path: req.path, StatusCode: resp.StatusCode, Credentials: c.credentials()}
	var wire struct {
		ErrorCode string `json:"error_code"`
		Message   string `json:"message"`
	}
	if json.Unmarshal(data, &wire) == nil && wire.ErrorCode != "" {
		apiErr.ErrorCode = wire.ErrorCode
		apiErr.Message = wire.Message
	} else {
		apiErr.ErrorCode = codeForStatus(resp.StatusCode)
		msg := strings.TrimSpace(string(data))
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		apiErr.Message = truncate(msg, 300)
	}
	for _, secret := range c.secrets {
		apiErr.Message = strings.ReplaceAll(apiErr.Message, secret, "***")
	}
	return resp.StatusCode, parseRetryAfter(resp.Header.Get("Retry-After")), apiErr
}

// connError is a failure to get an answer at all.
type connError struct {
	method, path string
	err          error
	// requestTimeout is set when the request ran out of the client's
	// per-request time (mlflow.request_timeout), not the operation's.
	requestTimeout time.Duration
}

// IsRequestTimeout reports whether err is a request that got no answer
// within mlflow.request_timeout, and returns that limit.
func IsRequestTimeout(err error) (time.Duration, bool) {
	var ce *connError
	if errors.As(err, &ce) && ce.requestTimeout > 0 {
		return ce.requestTimeout, true
	}
	return 0, false
}

func (e *connError) Error() string {
	return fmt.Sprintf("MLflow %s %s: no answer from the server: %v", e.method, e.path, e.err)
}
func (e *connError) Unwrap() error { return e.err }

// neverSent reports whether the request surely did not reach the server.
func (e *connError) neverSent() bool {
	var opErr *net.OpError
	if errors.As(e.err, &opErr) && opErr.Op == "dial" {
		return true
	}
	return errors.Is(e.err, syscall.ECONNREFUSED)
}

// IsUnavailable reports a request that failed because the server could not
// be reached or kept failing (no answer, 429, or 5xx after the retries), as
// opposed to one the server refused: whatever the request was for may well
// be fine, and trying later may succeed.
func IsUnavailable(err error) bool {
	var ce *connError
	if errors.As(err, &ce) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode == http.StatusTooManyRequests || ae.StatusCode >= 500
	}
	return false
}

// untilDeadline calls lookup until it succeeds, fails other than with
// IsUnavailable, or ctx ends, waiting between tries: a check after a lost
// answer must outlast a server restart, not only the request retries.
func (c *Client) untilDeadline(ctx context.Context, lookup func() error) error {
	policy := retry.Policy{First: time.Second, Max: 10 * time.Second, Sleep: c.sleep}
	_, err := retry.Do(ctx, policy, IsUnavailable, func() (struct{}, error) { return struct{}{}, lookup() })
	return err
}

// IsAmbiguous reports a failed request that the server may have carried
// out all the same: the connection broke after the request was sent, or the
// answer was a timeout or an error from a proxy (408, 500, 502, 504). A
// create that fails so may have created its object.
func IsAmbiguous(err error) bool {
	var ce *connError
	if errors.As(err, &ce) {
		return !ce.neverSent()
	}
	var ae *APIError
	if errors.As(err, &ae) {
		switch ae.StatusCode {
		case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
			return true
		}
	}
	return false
}

func retryable(req request, status int, err error) bool {
	var ce *connError
	if errors.As(err, &ce) {
		return req.idempotent || ce.neverSent()
	}
	switch status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return req.idempotent
	}
	return false
}

func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
