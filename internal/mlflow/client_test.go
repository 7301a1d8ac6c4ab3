package mlflow

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/retry"
)

// testClient makes a client of url whose retries are quick: waits of a
// millisecond or so.
func testClient(t *testing.T, url string, mutate ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{TrackingURI: url, MaxRetries: 3, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestErrorCodeMapping(t *testing.T) {
	cases := []struct {
		status int
		code   string
		check  func(error) bool
		name   string
	}{
		{400, CodeInvalidParameterValue, IsInvalidParameter, "IsInvalidParameter"},
		{400, CodeBadRequest, IsInvalidParameter, "IsInvalidParameter"},
		{400, CodeResourceAlreadyExists, IsAlreadyExists, "IsAlreadyExists"},
		{404, CodeResourceDoesNotExist, IsNotFound, "IsNotFound"},
		{404, CodeNotFound, IsNotFound, "IsNotFound"},
		{404, CodeEndpointNotFound, IsEndpointNotFound, "IsEndpointNotFound"},
		{401, CodeUnauthenticated, IsUnauthenticated, "IsUnauthenticated"},
		{403, CodePermissionDenied, IsPermissionDenied, "IsPermissionDenied"},
		{429, CodeRequestLimitExceeded, IsRateLimited, "IsRateLimited"},
		{429, CodeResourceExhausted, IsRateLimited, "IsRateLimited"},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				fmt.Fprintf(w, `{"error_code":%q,"message":"the server's words"}`, tc.code)
			}))
			defer srv.Close()
			_, err := testClient(t, srv.URL, func(c *Config) { c.MaxRetries = 0 }).GetRegisteredModel(context.Background(), "m")
			if !tc.check(err) {
				t.Fatalf("%s(%v) = false", tc.name, err)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status || apiErr.ErrorCode != tc.code || apiErr.Message != "the server's words" {
				t.Fatalf("error = %#v", apiErr)
			}
			if !strings.Contains(err.Error(), "GET registered-models/get") || !strings.Contains(err.Error(), "the server's words") {
				t.Fatalf("message %q should name the request and carry MLflow's message", err)
			}
			// Only the matching predicate is true.
			others := map[string]func(error) bool{
				"IsNotFound": IsNotFound, "IsAlreadyExists": IsAlreadyExists, "IsInvalidParameter": IsInvalidParameter,
				"IsUnauthenticated": IsUnauthenticated, "IsPermissionDenied": IsPermissionDenied,
				"IsRateLimited": IsRateLimited, "IsEndpointNotFound": IsEndpointNotFound,
			}
			for n, f := range others {
				if n != tc.name && f(err) {
					t.Errorf("%s is also true for %s", n, tc.code)
				}
			}
		})
	}
}

func TestTemporaryErrorCodesAreRetried(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
	}{{500, CodeInternalError}, {503, CodeTemporarilyUnavailable}} {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			calls.Add(1)
			w.WriteHeader(tc.status)
			fmt.Fprintf(w, `{"error_code":%q,"message":"busy"}`, tc.code)
		}))
		_, err := testClient(t, srv.URL).GetRegisteredModel(context.Background(), "m")
		srv.Close()
		if ErrorCode(err) != tc.code || calls.Load() != 4 {
			t.Errorf("%s: error %v after %d calls; want its code after 1+3 retries", tc.code, err, calls.Load())
		}
	}
}

func TestNonJSONErrorBodyMapsByStatus(t *testing.T) {
	for status, want := range map[int]string{
		404: CodeNotFound, 401: CodeUnauthenticated, 403: CodePermissionDenied, 409: CodeResourceAlreadyExists,
		429: CodeRequestLimitExceeded, 502: CodeInternalError, 503: CodeTemporarilyUnavailable, 418: CodeBadRequest,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			fmt.Fprint(w, "<html><body>proxy says no</body></html>")
		}))
		_, err := testClient(t, srv.URL, func(c *Config) { c.MaxRetries = 0 }).GetModelVersion(context.Background(), "m", "1")
		srv.Close()
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode != want || apiErr.StatusCode != status {
			t.Errorf("status %d: got %#v, want code %s", status, apiErr, want)
			continue
		}
		if !strings.Contains(apiErr.Message, "proxy says no") {
			t.Errorf("status %d: message %q should carry the body", status, apiErr.Message)
		}
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}`)
			return
		}
		fmt.Fprint(w, `{"registered_model":{"name":"m"}}`)
	}))
	defer srv.Close()
	c := testClient(t, srv.URL, func(c *Config) { c.MaxBackoff = time.Minute })
	var waits []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	rm, err := c.GetRegisteredModel(context.Background(), "m")
	if err != nil || rm.Name != "m" {
		t.Fatalf("got %v, %v", rm, err)
	}
	if len(waits) != 1 || waits[0] != 7*time.Second {
		t.Fatalf("waits = %v, want [7s] from Retry-After", waits)
	}
}

func TestParseRetryAfter(t *testing.T) {
	if d := parseRetryAfter("3"); d != 3*time.Second {
		t.Errorf("3 -> %v", d)
	}
	if d := parseRetryAfter(time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat)); d < 8*time.Second || d > 10*time.Second {
		t.Errorf("HTTP date -> %v", d)
	}
	for _, v := range []string{"", "soon", "-1"} {
		if d := parseRetryAfter(v); d != 0 {
			t.Errorf("%q -> %v, want 0", v, d)
		}
	}
}

func TestBackoffGrowsWithJitterAndIsCapped(t *testing.T) {
	c := testClient(t, "http://127.0.0.1:1", func(c *Config) { c.MinBackoff = 100 * time.Millisecond; c.MaxBackoff = time.Second })
	policy := c.retryPolicy()
	for attempt, ms := range []int64{100, 200, 400, 800, 1000, 1000} {
		upper := time.Duration(ms) * time.Millisecond
		for range 50 {
			d := policy.Wait(attempt)
			if d < upper/2 || d > upper {
				t.Fatalf("attempt %d: wait %v outside [%v, %v]", attempt, d, upper/2, upper)
			}
		}
	}
	var waits []time.Duration
	policy.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	policy.Tries = 2
	_, _ = retry.Do(context.Background(), policy, retry.Always, func() (int, error) { return 0, hinted{errors.New("busy"), time.Hour} })
	if len(waits) != 1 || waits[0] != time.Second {
		t.Fatalf("a Retry-After over the maximum is capped: got %v", waits)
	}
}

func TestServiceUnavailableStormRecovers(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) <= 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error_code":"TEMPORARILY_UNAVAILABLE","message":"down"}`)
			return
		}
		fmt.Fprint(w, `{"model_version":{"name":"m","version":"1","status":"READY"}}`)
	}))
	defer srv.Close()
	mv, err := testClient(t, srv.URL).GetModelVersion(context.Background(), "m", "1")
	if err != nil || mv.Status != StatusReady {
		t.Fatalf("got %v, %v", mv, err)
	}
	if calls.Load() != 4 {
		t.Fatalf("calls = %d, want 4", calls.Load())
	}
}

func TestServiceUnavailableStormExhaustsRetries(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"error_code":"TEMPORARILY_UNAVAILABLE","message":"down for maintenance"}`)
	}))
	defer srv.Close()
	_, err := testClient(t, srv.URL).GetModelVersion(context.Background(), "m", "1")
	if ErrorCode(err) != CodeTemporarilyUnavailable || !strings.Contains(err.Error(), "down for maintenance") {
		t.Fatalf("err = %v", err)
	}
	if calls.Load() != 4 {
		t.Fatalf("calls = %d, want 1 + 3 retries", calls.Load())
	}
}

// A create is not idempotent: a 500 (which may have created the version)
// is not retried, but a 503 or 429 (the server did nothing) is.
func TestNonIdempotentRequestsRetryOnlyWhereSafe(t *testing.T) {
	for status, wantCalls := range map[int]int32{500: 1, 502: 1, 504: 1, 503: 4, 429: 4} {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			calls.Add(1)
			w.WriteHeader(status)
			fmt.Fprint(w, `{"error_code":"INTERNAL_ERROR","message":"x"}`)
		}))
		_, err := testClient(t, srv.URL).CreateModelVersion(context.Background(), CreateModelVersionInput{Name: "m", Source: "s3://b/m"})
		srv.Close()
		if err == nil || calls.Load() != wantCalls {
			t.Errorf("status %d: %d calls (err %v), want %d", status, calls.Load(), err, wantCalls)
		}
	}
}

func TestConnectionResetIsRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			if tcp, ok := conn.(*net.TCPConn); ok {
				_ = tcp.SetLinger(0) // close with RST
			}
			_ = conn.Close()
			return
		}
		fmt.Fprint(w, `{"registered_model":{"name":"m"}}`)
	}))
	defer srv.Close()
	rm, err := testClient(t, srv.URL).GetRegisteredModel(context.Background(), "m")
	if err != nil || rm.Name != "m" {
		t.Fatalf("got %v, %v", rm, err)
	}
	if calls.Load() != 2 {
		t.Fatalf("calls = %d, want 2", calls.Load())
	}
}

func TestConnectionRefusedIsRetriedEvenForCreate(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	c := testClient(t, "http://"+addr)
	var retries int
	c.sleep = func(context.Context, time.Duration) error { retries++; return nil }
	_, err = c.CreateModelVersion(context.Background(), CreateModelVersionInput{Name: "m", Source: "s3://b/m"})
	if err == nil || !strings.Contains(err.Error(), "no answer from the server") {
		t.Fatalf("err = %v", err)
	}
	if retries != 3 {
		t.Fatalf("retries = %d, want 3 (a refused connection never reached the server)", retries)
	}
}

func TestContextCancellationStopsRetries(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := testClient(t, srv.URL, func(c *Config) { c.MaxRetries = 100; c.MinBackoff = time.Hour; c.MaxBackoff = time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := c.GetRegisteredModel(ctx, "m")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("calls = %d, want 1", calls.Load())
	}
}

func TestContextCancelledDuringRequest(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err := testClient(t, srv.URL).GetRegisteredModel(ctx, "m")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestPaginationReadsEveryPage(t *testing.T) {
	var tokens []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("page_token")
		tokens = append(tokens, tok)
		if got := r.URL.Query().Get("filter"); got != "name='m'" {
			t.Errorf("filter = %q", got)
		}
		next := map[string]string{"": "p2", "p2": "p3", "p3": ""}[tok]
		page := map[string][]string{"": {"1", "2"}, "p2": {"3", "4"}, "p3": {"5"}}[tok]
		var out struct {
			ModelVersions []ModelVersion `json:"model_versions"`
			NextPageToken string         `json:"next_page_token,omitempty"`
		}
		for _, v := range page {
			out.ModelVersions = append(out.ModelVersions, ModelVersion{Name: "m", Version: v})
		}
		out.NextPageToken = next
		_ = json.NewEncoder(w).Encode(out)
	}))
	defer srv.Close()
	vs, err := testClient(t, srv.URL).SearchModelVersions(context.Background(), ModelFilter("m"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.Version)
	}
	if strings.Join(got, ",") != "1,2,3,4,5" || strings.Join(tokens, ",") != ",p2,p3" {
		t.Fatalf("versions %v, tokens %q", got, tokens)
	}
}

func TestPaginationStopsOnARepeatedToken(t *testing.T) {
	_, err := All(context.Background(), func(context.Context, string) ([]int, string, error) {
		return []int{1}, "same", nil
	})
	if err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("err = %v", err)
	}
}

func TestAuthHeaders(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		cfg  func(*Config)
		want string
	}{
		{func(c *Config) {}, ""},
		{func(c *Config) { c.Token = "tok" }, "Bearer tok"},
		{func(c *Config) { c.Username, c.Password = "u", "p" }, "Basic dTpw"},
		{func(c *Config) { c.Username, c.Password, c.Token = "u", "p", "tok" }, "Basic dTpw"},
	} {
		if _, err := testClient(t, srv.URL, tc.cfg).GetRegisteredModel(context.Background(), "m"); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("Authorization = %q, want %q", got, tc.want)
		}
	}
}

func TestRequestShape(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodDelete || r.URL.Path != "/prefix/api/2.0/mlflow/registered-models/alias" {
			t.Errorf("%s %s", r.Method, r.URL.Path)
		}
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
		}
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body["name"] != "m" || body["alias"] != "champion" {
			t.Errorf("body %v, %v", body, err)
		}
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	if err := testClient(t, srv.URL+"/prefix/").DeleteAlias(context.Background(), "m", "champion"); err != nil {
		t.Fatal(err)
	}
}

func TestMissingAliasIsNotFound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error_code":"INVALID_PARAMETER_VALUE","message":"Registered model alias champion not found."}`)
	}))
	defer srv.Close()
	_, err := testClient(t, srv.URL).GetModelVersionByAlias(context.Background(), "m", "champion")
	if !IsNotFound(err) {
		t.Fatalf("IsNotFound(%v) = false", err)
	}
}

// Neither the token, the password nor the Basic credentials appear in any
// log line, even at TRACE level and on failures.
func TestNoSecretInLogs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		// A server that echoes the credentials in its error.
		fmt.Fprintf(w, `{"error_code":"TEMPORARILY_UNAVAILABLE","message":"bad header %s"}`, r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	for _, cfg := range []func(*Config){
		func(c *Config) { c.Token = "tok-SECRET-1" },
		func(c *Config) { c.Username, c.Password = "ci", "pw-SECRET-2" },
	} {
		var buf bytes.Buffer
		ctx := tflogtest.RootLogger(context.Background(), &buf)
		t.Setenv("TF_LOG", "TRACE")
		_, err := testClient(t, srv.URL, cfg).GetRegisteredModel(ctx, "m")
		if err == nil {
			t.Fatal("expected an error")
		}
		logs := buf.String()
		if !strings.Contains(logs, "retrying MLflow request") || !regexp.MustCompile(`bad header (Bearer|Basic) \*\*\*`).MatchString(logs) {
			t.Fatalf("expected retry log lines, got %q", logs)
		}
		for _, secret := range []string{"SECRET", "Y2k6cHctU0VDUkVULTI="} {
			if strings.Contains(logs, secret) {
				t.Fatalf("a secret reached the logs:\n%s", logs)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("a secret reached the error shown to the user: %v", err)
			}
		}
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "empty"},
		{Config{TrackingURI: "file:///tmp/mlruns"}, "must start with http:// or https://"},
		{Config{TrackingURI: "databricks"}, "must start with http:// or https://"},
		{Config{TrackingURI: "http://user:pw@host"}, "must not carry credentials"},
		{Config{TrackingURI: "https://host", CACertFile: filepath.Join(dir, "missing.pem")}, "reading the CA certificate file"},
		{Config{TrackingURI: "https://host", CACertFile: notPEM}, "holds no PEM certificate"},
	} {
		if _, err := New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error with %q", tc.cfg, err, tc.want)
		}
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"registered_model":{"name":"m"}}`)
	}))
	defer srv.Close()
	ctx := context.Background()

	// Unknown CA: refused.
	if _, err := testClient(t, srv.URL, func(c *Config) { c.MaxRetries = 0 }).GetRegisteredModel(ctx, "m"); err == nil {
		t.Fatal("a self-signed server was trusted")
	}
	// insecure_skip_verify: accepted.
	if _, err := testClient(t, srv.URL, func(c *Config) { c.InsecureSkipVerify = true }).GetRegisteredModel(ctx, "m"); err != nil {
		t.Fatal(err)
	}
	// ca_cert_file with the server's certificate: accepted.
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := testClient(t, srv.URL, func(c *Config) { c.CACertFile = caFile }).GetRegisteredModel(ctx, "m"); err != nil {
		t.Fatal(err)
	}
}

func TestRequestTimeout(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	c := testClient(t, srv.URL, func(c *Config) { c.RequestTimeout = 50 * time.Millisecond; c.MaxRetries = 1 })
	_, err := c.GetRegisteredModel(context.Background(), "m")
	if err == nil || !strings.Contains(err.Error(), "Client.Timeout") {
		t.Fatalf("err = %v, want the per-request timeout", err)
	}
}

func TestQuoteFilterString(t *testing.T) {
	if got := QuoteFilterString(`it's`); got != `'it\'s'` {
		t.Fatalf("got %s", got)
	}
	if got := ModelFilter("churn"); got != "name='churn'" {
		t.Fatalf("got %s", got)
	}
}

func TestWebhookEventNames(t *testing.T) {
	for _, name := range WebhookEvents {
		ev, ok := ParseWebhookEvent(name)
		if !ok || ev.String() != name || ev.Entity != strings.ToUpper(ev.Entity) || ev.Action != strings.ToUpper(ev.Action) {
			t.Errorf("%s: parsed %+v (the REST API wants upper case), back %q", name, ev, ev.String())
		}
	}
	for _, bad := range []string{"", "model_version", ".created", "model_version."} {
		if _, ok := ParseWebhookEvent(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
	w := Webhook{Events: []WebhookEvent{{"MODEL_VERSION_ALIAS", "CREATED"}, {"MODEL_VERSION", "CREATED"}}}
	if got := w.EventNames(); len(got) != 2 || got[0] != "model_version.created" || got[1] != "model_version_alias.created" {
		t.Fatalf("event names %v", got)
	}
}

// A request that outlives mlflow.request_timeout is told apart from one cut
// by the operation's own deadline (a resource's timeouts), so the error can
// name the setting that expired.
func TestRequestTimeoutIsToldApartFromTheOperationDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	c := testClient(t, srv.URL, func(cfg *Config) { cfg.RequestTimeout = 50 * time.Millisecond; cfg.MaxRetries = 1 })
	_, err := c.GetRegisteredModel(context.Background(), "m")
	if limit, ok := IsRequestTimeout(err); !ok || limit != 50*time.Millisecond {
		t.Fatalf("request past mlflow.request_timeout: IsRequestTimeout = %v, %v (err %v)", limit, ok, err)
	}

	c = testClient(t, srv.URL, func(cfg *Config) { cfg.RequestTimeout = time.Minute })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.GetRegisteredModel(ctx, "m")
	if _, ok := IsRequestTimeout(err); ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("request cut by the operation's deadline: IsRequestTimeout = %v, DeadlineExceeded = %v (err %v)", ok, errors.Is(err, context.DeadlineExceeded), err)
	}
}

// fakeRegistry answers model-versions/create and model-versions/search; lose
// decides, per create call (1, 2, …), whether the version is registered and
// whether the answer is lost (the connection is closed instead).
type fakeRegistry struct {
	creates  atomic.Int32
	versions []ModelVersion
	lose     func(call int32) (register, lost bool)
}

func (f *fakeRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/model-versions/create"):
		var in CreateModelVersionInput
		_ = json.NewDecoder(r.Body).Decode(&in)
		register, lost := f.lose(f.creates.Add(1))
		var mv ModelVersion
		if register {
			mv = ModelVersion{Name: in.Name, Version: fmt.Sprint(len(f.versions) + 1), Source: in.Source, RunID: in.RunID,
				Description: in.Description, CreationTimestamp: time.Now().UnixMilli(), Status: "READY"}
			f.versions = append(f.versions, mv)
		}
		if lost {
			conn, _, _ := w.(http.Hijacker).Hijack()
			_ = conn.Close()
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"model_version": mv})
	case strings.HasSuffix(r.URL.Path, "/model-versions/search"):
		_ = json.NewEncoder(w).Encode(map[string]any{"model_versions": f.versions})
	default:
		http.NotFound(w, r)
	}
}

func TestCreateModelVersionCheckedRecoversALostAnswer(t *testing.T) {
	in := CreateModelVersionInput{Name: "churn", Source: "s3://b/churn/7", Description: "d"}
	for _, tc := range []struct {
		name          string
		lose          func(int32) (bool, bool)
		versions      []ModelVersion // registered before the create
		wantCreates   int32
		wantVersion   string
		wantRecovered bool
		wantErr       string
	}{
		{name: "registered, answer lost: found, not sent again",
			lose: func(n int32) (bool, bool) { return true, true }, wantCreates: 1, wantVersion: "1", wantRecovered: true},
		{name: "not registered, answer lost: sent again",
			lose: func(n int32) (bool, bool) { return n > 1, n == 1 }, wantCreates: 2, wantVersion: "1"},
		{name: "an older version of the same source is not taken for it",
			versions: []ModelVersion{{Name: "churn", Version: "1", Source: "s3://b/churn/7", Description: "d", CreationTimestamp: time.Now().Add(-time.Hour).UnixMilli()}},
			lose:     func(n int32) (bool, bool) { return true, true }, wantCreates: 1, wantVersion: "2", wantRecovered: true},
		{name: "never registered: out of attempts",
			lose: func(n int32) (bool, bool) { return false, true }, wantCreates: 3, wantErr: "no answer from the server"},
		{name: "two matching versions: ambiguous, names them",
			versions: []ModelVersion{{Name: "churn", Version: "1", Source: "s3://b/churn/7", Description: "d", CreationTimestamp: time.Now().UnixMilli()}},
			lose:     func(n int32) (bool, bool) { return true, true }, wantCreates: 1, wantErr: "versions 1, 2 match what was sent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeRegistry{versions: tc.versions, lose: tc.lose}
			srv := httptest.NewServer(f)
			defer srv.Close()
			c := testClient(t, srv.URL)
			c.sleep = func(context.Context, time.Duration) error { return nil }
			mv, recovered, err := c.CreateModelVersionChecked(context.Background(), in)
			if f.creates.Load() != tc.wantCreates {
				t.Errorf("%d creates sent, want %d", f.creates.Load(), tc.wantCreates)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || mv.Version != tc.wantVersion || recovered != tc.wantRecovered {
				t.Fatalf("got version %+v recovered %v err %v; want version %s recovered %v", mv, recovered, err, tc.wantVersion, tc.wantRecovered)
			}
			if registered := len(f.versions) - len(tc.versions); registered != 1 {
				t.Fatalf("%d versions registered by the create, want exactly 1", registered)
			}
		})
	}
}

func TestIsAmbiguous(t *testing.T) {
	refused := &connError{err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}
	reset := &connError{err: errors.New("read: connection reset by peer")}
	if IsAmbiguous(refused) || !IsAmbiguous(reset) {
		t.Fatalf("refused ambiguous=%v (want false), reset ambiguous=%v (want true)", IsAmbiguous(refused), IsAmbiguous(reset))
	}
	for status, want := range map[int]bool{500: true, 502: true, 504: true, 408: true, 503: false, 429: false, 400: false} {
		if got := IsAmbiguous(&APIError{StatusCode: status}); got != want {
			t.Errorf("HTTP %d: ambiguous=%v, want %v", status, got, want)
		}
	}
}

func TestCreateRegisteredModelCheckedRecoversALostAnswer(t *testing.T) {
	for _, tc := range []struct {
		name          string
		existing      *RegisteredModel // there before the create
		lose          func(call int32) (register, lost bool)
		wantCreates   int32
		wantRecovered bool
		wantErr       string
	}{
		{name: "created, answer lost: found", lose: func(int32) (bool, bool) { return true, true }, wantCreates: 1, wantRecovered: true},
		{name: "not created, answer lost: sent again", lose: func(n int32) (bool, bool) { return n > 1, n == 1 }, wantCreates: 2},
		{name: "someone else's model of that name: refused as it exists",
			existing: &RegisteredModel{Name: "churn", CreationTimestamp: time.Now().Add(-time.Hour).UnixMilli()},
			lose:     func(n int32) (bool, bool) { return false, n == 1 }, wantCreates: 2, wantErr: "RESOURCE_ALREADY_EXISTS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var creates atomic.Int32
			model := tc.existing
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case strings.HasSuffix(r.URL.Path, "/registered-models/create"):
					register, lost := tc.lose(creates.Add(1))
					if model != nil && !lost {
						w.WriteHeader(http.StatusBadRequest)
						fmt.Fprint(w, `{"error_code":"RESOURCE_ALREADY_EXISTS","message":"exists"}`)
						return
					}
					if register && model == nil {
						model = &RegisteredModel{Name: "churn", CreationTimestamp: time.Now().UnixMilli()}
					}
					if lost {
						conn, _, _ := w.(http.Hijacker).Hijack()
						_ = conn.Close()
						return
					}
					_ = json.NewEncoder(w).Encode(map[string]any{"registered_model": model})
				case strings.HasSuffix(r.URL.Path, "/registered-models/get"):
					if model == nil {
						w.WriteHeader(http.StatusNotFound)
						fmt.Fprint(w, `{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no"}`)
						return
					}
					_ = json.NewEncoder(w).Encode(map[string]any{"registered_model": model})
				}
			}))
			defer srv.Close()
			c := testClient(t, srv.URL)
			c.sleep = func(context.Context, time.Duration) error { return nil }
			rm, recovered, err := c.CreateRegisteredModelChecked(context.Background(), CreateRegisteredModelInput{Name: "churn"})
			if creates.Load() != tc.wantCreates {
				t.Errorf("%d creates sent, want %d", creates.Load(), tc.wantCreates)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || rm == nil || rm.Name != "churn" || recovered != tc.wantRecovered {
				t.Fatalf("got %+v recovered %v err %v, want the model, recovered %v", rm, recovered, err, tc.wantRecovered)
			}
		})
	}
}

// The look after a lost answer outlasts a server that is down for longer
// than the request retries (here, four failed searches).
func TestCreateModelVersionCheckedLooksUntilTheServerIsBack(t *testing.T) {
	var searches atomic.Int32
	f := &fakeRegistry{lose: func(int32) (bool, bool) { return true, true }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/model-versions/search") && searches.Add(1) <= 4 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		f.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := testClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = 0 })
	c.sleep = func(context.Context, time.Duration) error { return nil }
	mv, recovered, err := c.CreateModelVersionChecked(context.Background(), CreateModelVersionInput{Name: "churn", Source: "s3://b/c"})
	if err != nil || !recovered || mv.Version != "1" || f.creates.Load() != 1 {
		t.Fatalf("got %+v recovered %v err %v after %d creates, want version 1 found after 1 create", mv, recovered, err, f.creates.Load())
	}
}
