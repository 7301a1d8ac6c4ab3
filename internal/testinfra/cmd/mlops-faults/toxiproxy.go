package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// toxiproxy speaks toxiproxy's HTTP API (its server runs as a process of its
// own, tools/toxiproxy).
type toxiproxy struct {
	api string // http://127.0.0.1:PORT
}

// toxic is one toxic as toxiproxy's API takes it.
type toxic struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Stream     string         `json:"stream"`
	Toxicity   float64        `json:"toxicity"`
	Attributes map[string]any `json:"attributes"`
}

func (t toxiproxy) call(ctx context.Context, method, path string, body any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, t.api+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("toxiproxy %s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("toxiproxy %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	return nil
}

// proxy creates (or replaces) a proxy from listen to upstream.
func (t toxiproxy) proxy(ctx context.Context, name, listen, upstream string) error {
	_ = t.call(ctx, http.MethodDelete, "/proxies/"+name, nil)
	return t.call(ctx, http.MethodPost, "/proxies", map[string]any{"name": name, "listen": listen, "upstream": upstream, "enabled": true})
}

// setUpstream points a proxy at a new upstream (a server restarted on
// another port).
func (t toxiproxy) setUpstream(ctx context.Context, name, upstream string) error {
	return t.call(ctx, http.MethodPost, "/proxies/"+name, map[string]any{"upstream": upstream})
}

// enable opens (true) or closes (false) a proxy's listener. Closing it also
// closes every connection through it, so clients see what they would see of
// a server that died: resets, then refused connections.
func (t toxiproxy) enable(ctx context.Context, name string, on bool) error {
	return t.call(ctx, http.MethodPost, "/proxies/"+name, map[string]any{"enabled": on})
}

func (t toxiproxy) add(ctx context.Context, proxy string, x toxic) error {
	if x.Toxicity == 0 {
		x.Toxicity = 1
	}
	return t.call(ctx, http.MethodPost, "/proxies/"+proxy+"/toxics", x)
}

// proxies are the proxies the suite made, by name: their listen and
// upstream addresses.
type proxies map[string][2]string

// renew deletes each proxy and creates it again, without toxics and enabled.
// toxiproxy's own POST /reset removes toxics from live connections, and that
// can block for good on a connection whose client went away with data in a
// latency toxic; deleting a proxy closes its connections instead.
func (t toxiproxy) renew(ctx context.Context, ps proxies) error {
	for name, addrs := range ps {
		if err := t.proxy(ctx, name, addrs[0], addrs[1]); err != nil {
			return err
		}
	}
	return nil
}
