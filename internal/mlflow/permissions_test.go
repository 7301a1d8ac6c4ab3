package mlflow

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeGrants answers the grants API for one user and one model: list, and
// grant, which refuses a second grant as MLflow does; lose decides, per
// grant call (1, 2, …), whether the grant is made and whether its answer is
// lost (the connection is closed instead).
type fakeGrants struct {
	mu     sync.Mutex
	grants atomic.Int32
	held   string // the user's own permission on the model; "" for none
	lose   func(call int32) (grant, lost bool)
}

func (f *fakeGrants) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case strings.HasSuffix(r.URL.Path, "/users/permissions/list"):
		perms := []map[string]string{}
		if f.held != "" {
			perms = append(perms, map[string]string{"permission": f.held, "resource_pattern": "fraud",
				"resource_type": ResourceRegisteredModel, "role_name": "__user_7__"})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"permissions": perms})
	case strings.HasSuffix(r.URL.Path, "/users/permissions/grant"):
		var in map[string]string
		_ = json.NewDecoder(r.Body).Decode(&in)
		grant, lost := f.lose(f.grants.Add(1))
		if lost {
			if grant && f.held == "" {
				f.held = in["permission"]
			}
			conn, _, _ := w.(http.Hijacker).Hijack()
			_ = conn.Close()
			return
		}
		if f.held != "" {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"error_code": "RESOURCE_ALREADY_EXISTS", "message": "the grant exists"})
			return
		}
		f.held = in["permission"]
		_ = json.NewEncoder(w).Encode(map[string]any{})
	default:
		http.NotFound(w, r)
	}
}

// A grant is not idempotent (a second is refused), so a grant whose answer
// is lost must look before it fails or grants again; and a grant that was
// there before the create must not be taken for the one it made.
func TestGrantPermissionCheckedRecoversALostAnswer(t *testing.T) {
	g := Grant{Username: "ana", ResourceType: ResourceRegisteredModel, ResourceID: "fraud", Permission: "EDIT"}
	for _, tc := range []struct {
		name          string
		held          string
		lose          func(int32) (bool, bool)
		wantGrants    int32
		wantHeld      string
		wantRecovered bool
		wantErr       string
	}{
		{name: "granted, answer lost: found, not sent again",
			lose: func(int32) (bool, bool) { return true, true }, wantGrants: 1, wantHeld: "EDIT", wantRecovered: true},
		{name: "not granted, answer lost: sent again",
			lose: func(n int32) (bool, bool) { return n > 1, n == 1 }, wantGrants: 2, wantHeld: "EDIT"},
		{name: "a grant held before is not taken for it: MLflow refuses the grant sent again",
			held: "EDIT", lose: func(n int32) (bool, bool) { return false, n == 1 }, wantGrants: 2, wantHeld: "EDIT",
			wantErr: "the grant exists"},
		{name: "never granted: out of attempts",
			lose: func(int32) (bool, bool) { return false, true }, wantGrants: 3, wantErr: "no answer from the server"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeGrants{held: tc.held, lose: tc.lose}
			srv := httptest.NewServer(f)
			defer srv.Close()
			c := testClient(t, srv.URL)
			c.sleep = func(context.Context, time.Duration) error { return nil }
			recovered, err := c.GrantPermissionChecked(context.Background(), g)
			if got := f.grants.Load(); got != tc.wantGrants {
				t.Errorf("%d grants sent, want %d", got, tc.wantGrants)
			}
			if f.held != tc.wantHeld {
				t.Errorf("the user holds %q, want %q", f.held, tc.wantHeld)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || recovered != tc.wantRecovered {
				t.Fatalf("recovered %v, err %v; want recovered %v and no error", recovered, err, tc.wantRecovered)
			}
		})
	}
}
