package standin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
)

// This file is the development gateway's proxy: it routes a prediction to
// the model (or its canary) and translates KServe's v1 and v2 protocols to
// MLflow's model server.

type proxyConfig struct {
	model, canary *modelProc
	canaryPercent int64
}

type proxy struct {
	cfg atomic.Pointer[proxyConfig]
}

// pick chooses the backend of one request by the traffic split.
func (p *proxy) pick() (*modelProc, string) {
	cfg := p.cfg.Load()
	if cfg.canary != nil && rand.Int64N(100) < cfg.canaryPercent {
		return cfg.canary, "canary"
	}
	return cfg.model, "model"
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.cfg.Load() == nil {
		http.Error(w, `{"error":"the model is not ready"}`, http.StatusServiceUnavailable)
		return
	}
	backend, which := p.pick()
	if backend == nil || !backend.ready.Load() {
		http.Error(w, `{"error":"the model is not ready"}`, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("X-Served-By", which)
	path := r.URL.Path
	switch {
	case r.Method == http.MethodGet && (path == "/v2/health/ready" || path == "/v2/health/live" ||
		(strings.HasPrefix(path, "/v2/models/") && strings.HasSuffix(path, "/ready"))):
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodPost && strings.HasPrefix(path, "/v2/models/") && strings.HasSuffix(path, "/infer"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/v2/models/"), "/infer")
		p.inferV2(w, r, backend, name)
	case r.Method == http.MethodPost && strings.HasPrefix(path, "/v1/models/") && strings.HasSuffix(path, ":predict"):
		p.predictV1(w, r, backend)
	default:
		p.pass(w, r, backend)
	}
}

type v2Tensor struct {
	Name     string  `json:"name"`
	Shape    []int64 `json:"shape"`
	Datatype string  `json:"datatype"`
	Data     any     `json:"data"`
}

// inferV2 turns an Open Inference Protocol request into MLflow's
// /invocations ("inputs": the first tensor, reshaped) and the predictions
// back into a v2 response.
func (p *proxy) inferV2(w http.ResponseWriter, r *http.Request, backend *modelProc, name string) {
	var req struct {
		ID     string     `json:"id"`
		Inputs []v2Tensor `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Inputs) == 0 {
		http.Error(w, `{"error":"expected {\"inputs\": [{\"name\", \"shape\", \"datatype\", \"data\"}]}"}`, http.StatusBadRequest)
		return
	}
	in := req.Inputs[0]
	flat, ok := flatten(in.Data)
	if !ok {
		http.Error(w, `{"error":"data must be numbers"}`, http.StatusBadRequest)
		return
	}
	rows := reshape(flat, in.Shape)
	preds, status, err := invoke(r.Context(), backend, map[string]any{"inputs": rows})
	if err != nil {
		http.Error(w, fmt.Sprintf(`{"error":%q}`, err.Error()), status)
		return
	}
	list, _ := preds.([]any)
	datatype := "FP64"
	for _, v := range list {
		if f, ok := v.(float64); ok && f == float64(int64(f)) {
			datatype = "INT64"
		} else {
			datatype = "FP64"
			break
		}
	}
	writeJSON(w, map[string]any{
		"model_name": name,
		"id":         req.ID,
		"outputs": []any{map[string]any{
			"name": "predict", "shape": []int{len(list)}, "datatype": datatype, "data": list,
		}},
	})
}

func (p *proxy) predictV1(w http.ResponseWriter, r *http.Request, backend *modelProc) {
	var req struct {
		Instances any `json:"instances"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":"expected {\"instances\": [...]}"}`, http.StatusBadRequest)
		return
	}
	preds, status, err := invoke(r.Context(), backend, map[string]any{"inputs": req.Instances})
	if err != nil {
		http.Error(w, fmt.Sprintf(`{"error":%q}`, err.Error()), status)
		return
	}
	writeJSON(w, map[string]any{"predictions": preds})
}

func (p *proxy) pass(w http.ResponseWriter, r *http.Request, backend *modelProc) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, backend.baseURL()+r.URL.RequestURI(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer func() { _ = resp.Body.Close() }()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// invoke calls MLflow's scoring server and returns its predictions.
func invoke(ctx context.Context, backend *modelProc, body any) (any, int, error) {
	data, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, backend.baseURL()+"/invocations", bytes.NewReader(data))
	if err != nil {
		return nil, http.StatusInternalServerError, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, http.StatusBadGateway, err
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode, fmt.Errorf("model server: %s", strings.TrimSpace(string(raw)))
	}
	var out struct {
		Predictions any `json:"predictions"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, http.StatusBadGateway, fmt.Errorf("model server answered %s", raw)
	}
	return out.Predictions, http.StatusOK, nil
}

func flatten(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		var out []any
		for _, e := range x {
			f, ok := flatten(e)
			if !ok {
				return nil, false
			}
			out = append(out, f...)
		}
		return out, true
	case float64, bool:
		return []any{x}, true
	}
	return nil, false
}

// reshape makes rows of a flat tensor: shape [n, m] gives n rows of m.
func reshape(flat []any, shape []int64) []any {
	if len(shape) < 2 || shape[1] <= 0 {
		return []any{flat}
	}
	cols := int(shape[1])
	var rows []any
	for i := 0; i+cols <= len(flat); i += cols {
		rows = append(rows, flat[i:i+cols])
	}
	return rows
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
