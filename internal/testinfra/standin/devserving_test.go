package standin

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// fakeModel is a ready backend answering /invocations like MLflow's
// scoring server, with the given predictions.
func fakeModel(t *testing.T, predictions []any) *modelProc {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		if r.URL.Path != "/invocations" || body["inputs"] == nil {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"predictions": predictions, "echo": body["inputs"]})
	}))
	t.Cleanup(srv.Close)
	m := &modelProc{uri: "models:/x/1", port: srv.Listener.Addr().(*net.TCPAddr).Port}
	m.ready.Store(true)
	return m
}

func TestProxySplitsTrafficByPercent(t *testing.T) {
	p := &proxy{}
	p.cfg.Store(&proxyConfig{model: &modelProc{uri: "a"}, canary: &modelProc{uri: "b"}, canaryPercent: 20})
	canary := 0
	const n = 20000
	for range n {
		if _, which := p.pick(); which == "canary" {
			canary++
		}
	}
	// 20% of 20000 = 4000; the bounds are more than 10 standard deviations wide.
	if canary < 3400 || canary > 4600 {
		t.Fatalf("canary got %d of %d requests, want about 20%%", canary, n)
	}
	p.cfg.Store(&proxyConfig{model: &modelProc{uri: "a"}, canary: &modelProc{uri: "b"}, canaryPercent: 0})
	for range 1000 {
		if _, which := p.pick(); which == "canary" {
			t.Fatal("a 0% canary (dark launch) must get no traffic")
		}
	}
}

func TestProxySpeaksOpenInferenceProtocolV2(t *testing.T) {
	p := &proxy{}
	p.cfg.Store(&proxyConfig{model: fakeModel(t, []any{1, 0})})
	body, _ := json.Marshal(map[string]any{"inputs": []any{map[string]any{
		"name": "input-0", "shape": []int{2, 2}, "datatype": "FP64", "data": []float64{0.9, 0.8, 0.1, 0.2},
	}}})
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v2/models/churn/infer", bytes.NewReader(body)))
	if rec.Code != http.StatusOK || rec.Header().Get("X-Served-By") != "model" {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var out struct {
		ModelName string `json:"model_name"`
		Outputs   []struct {
			Shape    []int     `json:"shape"`
			Datatype string    `json:"datatype"`
			Data     []float64 `json:"data"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.ModelName != "churn" || len(out.Outputs) != 1 || out.Outputs[0].Datatype != "INT64" ||
		len(out.Outputs[0].Data) != 2 || out.Outputs[0].Shape[0] != 2 {
		t.Fatalf("v2 answer %s", rec.Body)
	}

	rec = httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v2/models/churn/ready", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("ready: %d", rec.Code)
	}
}

func TestProxyRefusesWhileNotReady(t *testing.T) {
	p := &proxy{}
	p.cfg.Store(&proxyConfig{model: &modelProc{uri: "a"}})
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v2/health/ready", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d", rec.Code)
	}
}

func TestReshape(t *testing.T) {
	rows := reshape([]any{1.0, 2.0, 3.0, 4.0}, []int64{2, 2})
	if len(rows) != 2 || len(rows[0].([]any)) != 2 {
		t.Fatalf("%v", rows)
	}
}
