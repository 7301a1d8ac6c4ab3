package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// object is one object as the suite counts it, on the server or in state.
// Key is what the configuration names (a model's name, a version's model and
// source, an endpoint's namespace and name); ID tells two objects of the same
// Key apart (a model's creation time, a version's number, an endpoint's UID).
type object struct {
	Kind, Key, ID string
}

// tally is what a scenario reports about its objects.
type tally struct {
	InState, OnServer int
	Orphans           int // on the server, not in state
	Duplicates        int // more than one server object for one Key (or one state entry twice)
	NeedlessDestroys  int // objects seen earlier that are gone at the end, none of which the configuration removed
	Details           []string
}

// identified kinds: an object of these kinds that disappears was destroyed.
// An alias that moves is an update, not a destroy, so aliases are not.
var identified = map[string]bool{"model": true, "version": true, "endpoint": true}

// count compares the final server objects with the state, and with what the
// server held earlier in the scenario (seen). The configurations of the
// suite never remove an object, so every object seen that is not on the
// server at the end was destroyed without need (a re-created endpoint, a
// version replaced after a fault).
func count(server, state []object, seen [][]object) tally {
	t := tally{InState: len(state), OnServer: len(server)}
	inState := map[object]int{}
	for _, o := range state {
		inState[stateKey(o)]++
	}
	for k, n := range inState {
		if n > 1 {
			t.Duplicates += n - 1
			t.Details = append(t.Details, fmt.Sprintf("%s %s is in state %d times", k.Kind, k.Key, n))
		}
	}
	perKey := map[[2]string][]string{}
	final := map[object]bool{}
	for _, o := range server {
		final[o] = true
		perKey[[2]string{o.Kind, o.Key}] = append(perKey[[2]string{o.Kind, o.Key}], o.ID)
		if inState[stateKey(o)] == 0 {
			t.Orphans++
			t.Details = append(t.Details, fmt.Sprintf("orphan: %s %s %s", o.Kind, o.Key, o.ID))
		}
	}
	for k, ids := range perKey {
		if len(ids) > 1 {
			t.Duplicates += len(ids) - 1
			sort.Strings(ids)
			t.Details = append(t.Details, fmt.Sprintf("duplicate: %s %s (%s)", k[0], k[1], strings.Join(ids, ", ")))
		}
	}
	gone := map[object]bool{}
	for _, snap := range seen {
		for _, o := range snap {
			if identified[o.Kind] && !final[o] && !gone[o] {
				gone[o] = true
				t.NeedlessDestroys++
				t.Details = append(t.Details, fmt.Sprintf("destroyed: %s %s %s", o.Kind, o.Key, o.ID))
			}
		}
	}
	sort.Strings(t.Details)
	return t
}

// stateKey is what identifies an object in state: a version by its number,
// everything else by its Key (the state has no UID or creation time to
// compare).
func stateKey(o object) object {
	if o.Kind == "version" {
		return object{Kind: o.Kind, Key: o.Key, ID: o.ID}
	}
	return object{Kind: o.Kind, Key: o.Key}
}

// stateObjects reads `terraform show -json` output.
func stateObjects(showJSON []byte) ([]object, error) {
	var doc struct {
		Values *struct {
			RootModule struct {
				Resources []struct {
					Type   string         `json:"type"`
					Mode   string         `json:"mode"`
					Values map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal(showJSON, &doc); err != nil {
		return nil, fmt.Errorf("reading terraform show -json: %w", err)
	}
	if doc.Values == nil {
		return nil, nil
	}
	var out []object
	for _, r := range doc.Values.RootModule.Resources {
		if r.Mode != "managed" {
			continue
		}
		s := func(k string) string { v, _ := r.Values[k].(string); return v }
		switch r.Type {
		case "mlops_registered_model":
			out = append(out, object{Kind: "model", Key: s("name")})
		case "mlops_model_version":
			out = append(out, object{Kind: "version", Key: s("model_name") + " " + s("source"), ID: s("version")})
		case "mlops_model_alias":
			out = append(out, object{Kind: "alias", Key: s("model_name") + "@" + s("alias")})
		case "mlops_endpoint":
			out = append(out, object{Kind: "endpoint", Key: s("namespace") + "/" + s("name")})
		}
	}
	return out, nil
}

// mlflowObjects lists the registered models named prefix-*, their versions
// and aliases, straight from MLflow (not through the proxy). The server's
// address is read from its env file each time, since a restarted server has
// a new port.
func mlflowObjects(ctx context.Context, mlflowDir, prefix string) ([]object, error) {
	base, err := mlflowURL(mlflowDir)
	if err != nil {
		return nil, err
	}
	var models struct {
		RegisteredModels []struct {
			Name              string `json:"name"`
			CreationTimestamp int64  `json:"creation_timestamp"`
			Aliases           []struct {
				Alias   string `json:"alias"`
				Version string `json:"version"`
			} `json:"aliases"`
		} `json:"registered_models"`
	}
	q := url.Values{"filter": {fmt.Sprintf("name LIKE '%s-%%'", prefix)}, "max_results": {"1000"}}
	if err := getJSON(ctx, base+"/api/2.0/mlflow/registered-models/search?"+q.Encode(), &models); err != nil {
		return nil, err
	}
	var out []object
	for _, m := range models.RegisteredModels {
		out = append(out, object{Kind: "model", Key: m.Name, ID: fmt.Sprint(m.CreationTimestamp)})
		for _, a := range m.Aliases {
			out = append(out, object{Kind: "alias", Key: m.Name + "@" + a.Alias, ID: a.Version})
		}
	}
	versions, err := mlflowVersions(ctx, base, prefix)
	if err != nil {
		return nil, err
	}
	return append(out, versions...), nil
}

func mlflowVersions(ctx context.Context, base, prefix string) ([]object, error) {
	var out []object
	token := ""
	for {
		var page struct {
			ModelVersions []struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Source  string `json:"source"`
			} `json:"model_versions"`
			NextPageToken string `json:"next_page_token"`
		}
		q := url.Values{"filter": {fmt.Sprintf("name LIKE '%s-%%'", prefix)}, "max_results": {"1000"}}
		if token != "" {
			q.Set("page_token", token)
		}
		if err := getJSON(ctx, base+"/api/2.0/mlflow/model-versions/search?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		for _, v := range page.ModelVersions {
			out = append(out, object{Kind: "version", Key: v.Name + " " + v.Source, ID: v.Version})
		}
		if page.NextPageToken == "" {
			return out, nil
		}
		token = page.NextPageToken
	}
}

func mlflowURL(dir string) (string, error) {
	data, err := os.ReadFile(dir + "/env")
	if err != nil {
		return "", err
	}
	_, u, ok := strings.Cut(strings.TrimSpace(string(data)), "MLFLOW_TRACKING_URI=")
	if !ok {
		return "", fmt.Errorf("no MLFLOW_TRACKING_URI in %s/env", dir)
	}
	return u, nil
}

func getJSON(ctx context.Context, u string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

var isvcGVR = schema.GroupVersionResource{Group: "serving.kserve.io", Version: "v1beta1", Resource: "inferenceservices"}

// endpointObjects lists the InferenceServices of a namespace (straight from
// kube-apiserver, not through the proxy).
func endpointObjects(ctx context.Context, kube dynamic.Interface, ns string) ([]object, error) {
	list, err := kube.Resource(isvcGVR).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []object
	for _, o := range list.Items {
		out = append(out, object{Kind: "endpoint", Key: ns + "/" + o.GetName(), ID: string(o.GetUID())})
	}
	return out, nil
}
