package mlflow

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeWebhooks answers POST and GET /webhooks; lose decides, per create
// call (1, 2, …), whether the webhook is made and whether the answer is
// lost (the connection is closed instead).
type fakeWebhooks struct {
	mu       sync.Mutex
	creates  atomic.Int32
	webhooks []Webhook
	lose     func(call int32) (create, lost bool)
}

func (f *fakeWebhooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !strings.HasSuffix(r.URL.Path, "/webhooks") {
		http.NotFound(w, r)
		return
	}
	if r.Method == http.MethodGet {
		_ = json.NewEncoder(w).Encode(map[string]any{"webhooks": f.webhooks})
		return
	}
	var in WebhookInput
	_ = json.NewDecoder(r.Body).Decode(&in)
	create, lost := f.lose(f.creates.Add(1))
	wh := Webhook{ID: fmt.Sprintf("wh-%d", len(f.webhooks)+1), Name: in.Name, URL: in.URL, CreationTimestamp: time.Now().UnixMilli()}
	if create {
		f.webhooks = append(f.webhooks, wh)
	}
	if lost {
		conn, _, _ := w.(http.Hijacker).Hijack()
		_ = conn.Close()
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"webhook": wh})
}

// A webhook has no unique key, so a create whose answer is lost must look
// (by name and url, made since the create began) before it fails or sends
// the create again: otherwise the next apply makes a second webhook.
func TestCreateWebhookCheckedRecoversALostAnswer(t *testing.T) {
	in := WebhookInput{Name: "retrain", URL: "https://hooks.example/retrain"}
	older := Webhook{ID: "wh-old", Name: in.Name, URL: in.URL, CreationTimestamp: time.Now().Add(-time.Hour).UnixMilli()}
	for _, tc := range []struct {
		name          string
		existing      []Webhook
		lose          func(int32) (bool, bool)
		wantCreates   int32
		wantMade      int
		wantRecovered bool
		wantErr       string
	}{
		{name: "created, answer lost: found, not sent again",
			lose: func(int32) (bool, bool) { return true, true }, wantCreates: 1, wantMade: 1, wantRecovered: true},
		{name: "not created, answer lost: sent again",
			lose: func(n int32) (bool, bool) { return n > 1, n == 1 }, wantCreates: 2, wantMade: 1},
		{name: "an older webhook of the same name and url is not taken for it",
			existing: []Webhook{older}, lose: func(int32) (bool, bool) { return true, true }, wantCreates: 1, wantMade: 1, wantRecovered: true},
		{name: "never created: out of attempts",
			lose: func(int32) (bool, bool) { return false, true }, wantCreates: 3, wantErr: "no answer from the server"},
		{name: "two matching webhooks: ambiguous, names them",
			existing: []Webhook{{ID: "wh-0", Name: in.Name, URL: in.URL, CreationTimestamp: time.Now().UnixMilli()}},
			lose:     func(int32) (bool, bool) { return true, true }, wantCreates: 1, wantMade: 1, wantErr: "webhooks wh-0, wh-2 match what was sent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeWebhooks{webhooks: append([]Webhook(nil), tc.existing...), lose: tc.lose}
			srv := httptest.NewServer(f)
			defer srv.Close()
			c := testClient(t, srv.URL)
			c.sleep = func(context.Context, time.Duration) error { return nil }
			wh, recovered, err := c.CreateWebhookChecked(context.Background(), in)
			if got := f.creates.Load(); got != tc.wantCreates {
				t.Errorf("%d creates sent, want %d", got, tc.wantCreates)
			}
			if made := len(f.webhooks) - len(tc.existing); made != tc.wantMade {
				t.Errorf("%d webhooks made by the create, want %d", made, tc.wantMade)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || wh == nil || wh.ID != f.webhooks[len(f.webhooks)-1].ID || recovered != tc.wantRecovered {
				t.Fatalf("got %+v recovered %v err %v; want the webhook made, recovered %v", wh, recovered, err, tc.wantRecovered)
			}
		})
	}
}
