package mlflow

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestLineageOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		metrics []Metric
		want    map[string]float64
	}{
		{"none", nil, map[string]float64{}},
		{"one value", []Metric{{Key: "accuracy", Value: 0.9}}, map[string]float64{"accuracy": 0.9}},
		{
			"the highest step wins, even when logged earlier",
			[]Metric{{Key: "loss", Value: 0.1, Step: 9, Timestamp: 100}, {Key: "loss", Value: 0.7, Step: 2, Timestamp: 500}},
			map[string]float64{"loss": 0.1},
		},
		{
			"at the same step, the latest timestamp wins",
			[]Metric{{Key: "loss", Value: 0.3, Step: 4, Timestamp: 300}, {Key: "loss", Value: 0.2, Step: 4, Timestamp: 200}},
			map[string]float64{"loss": 0.3},
		},
		{
			"at the same step and timestamp, the last listed wins",
			[]Metric{{Key: "loss", Value: 0.3, Step: 4, Timestamp: 300}, {Key: "loss", Value: 0.25, Step: 4, Timestamp: 300}},
			map[string]float64{"loss": 0.25},
		},
		{
			"keys are independent",
			[]Metric{
				{Key: "accuracy", Value: 0.8, Step: 1, Timestamp: 10}, {Key: "loss", Value: 0.5, Step: 3, Timestamp: 5},
				{Key: "accuracy", Value: 0.85, Step: 2, Timestamp: 1}, {Key: "loss", Value: 0.6, Step: 1, Timestamp: 50},
			},
			map[string]float64{"accuracy": 0.85, "loss": 0.5},
		},
		{
			"negative steps order too",
			[]Metric{{Key: "x", Value: 1, Step: -1, Timestamp: 9}, {Key: "x", Value: 2, Step: -5, Timestamp: 10}},
			map[string]float64{"x": 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := lineageOf(tc.metrics, []Param{{Key: "seed", Value: "0"}, {Key: "C", Value: "100.0"}})
			if !reflect.DeepEqual(got.Metrics, tc.want) {
				t.Errorf("metrics = %v, want %v", got.Metrics, tc.want)
			}
			if want := map[string]string{"seed": "0", "C": "100.0"}; !reflect.DeepEqual(got.Params, want) {
				t.Errorf("params = %v, want %v", got.Params, want)
			}
		})
	}
	if l := lineageOf(nil, nil); l.Metrics == nil || l.Params == nil {
		t.Errorf("lineageOf(nil, nil) = %#v, want empty maps, not nil", l)
	}
}

func TestModelIDOfSource(t *testing.T) {
	for source, want := range map[string]string{
		"models:/m-0123abcd":         "m-0123abcd",
		"models:/churn/3":            "", // a registered model's version
		"models:/m-1/artifacts":      "",
		"models:/m-":                 "",
		"runs:/abc/model":            "",
		"s3://bucket/models:/m-1234": "",
		"models:/champion@alias":     "",
	} {
		if got := ModelIDOfSource(source); got != want {
			t.Errorf("ModelIDOfSource(%q) = %q, want %q", source, got, want)
		}
	}
}

func TestModelVersionLoggedModelID(t *testing.T) {
	for _, tc := range []struct {
		mv   ModelVersion
		want string
	}{
		{ModelVersion{ModelID: "m-reported", Source: "models:/m-other"}, "m-reported"},
		{ModelVersion{Source: "models:/m-fromsource"}, "m-fromsource"},
		{ModelVersion{Source: "runs:/abc/model", RunID: "abc"}, ""},
	} {
		if got := tc.mv.LoggedModelID(); got != tc.want {
			t.Errorf("%+v.LoggedModelID() = %q, want %q", tc.mv, got, tc.want)
		}
	}
}

// VersionLineage asks the logged model when the version has one (reported
// or in its source), else the run, else nobody.
func TestVersionLineage(t *testing.T) {
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, r.URL.Path+"?"+r.URL.RawQuery)
		switch {
		case strings.HasSuffix(r.URL.Path, "/logged-models/m-1"):
			fmt.Fprint(w, `{"model":{"info":{"model_id":"m-1"},"data":{"params":[{"key":"C","value":"1.0"}],"metrics":[{"key":"accuracy","value":0.75,"step":0}]}}}`)
		case strings.HasSuffix(r.URL.Path, "/runs/get"):
			fmt.Fprint(w, `{"run":{"data":{"params":[{"key":"seed","value":"3"}],"metrics":[{"key":"train_accuracy","value":0.5}]}}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := testClient(t, srv.URL)
	for _, tc := range []struct {
		mv    ModelVersion
		want  Lineage
		calls []string
	}{
		{
			ModelVersion{Source: "models:/m-1", RunID: "r1"},
			Lineage{Metrics: map[string]float64{"accuracy": 0.75}, Params: map[string]string{"C": "1.0"}},
			[]string{"/api/2.0/mlflow/logged-models/m-1?"},
		},
		{
			ModelVersion{Source: "runs:/r1/model", RunID: "r1"},
			Lineage{Metrics: map[string]float64{"train_accuracy": 0.5}, Params: map[string]string{"seed": "3"}},
			[]string{"/api/2.0/mlflow/runs/get?run_id=r1"},
		},
		{ModelVersion{Source: "s3://b/model"}, Lineage{Metrics: map[string]float64{}, Params: map[string]string{}}, nil},
	} {
		calls = nil
		got, err := c.VersionLineage(context.Background(), tc.mv)
		if err != nil {
			t.Fatalf("%+v: %v", tc.mv, err)
		}
		if !reflect.DeepEqual(got, tc.want) || !reflect.DeepEqual(calls, tc.calls) {
			t.Errorf("%+v: got %+v after %v, want %+v after %v", tc.mv, got, calls, tc.want, tc.calls)
		}
	}
}

// With no logged model of that name, NewestLoggedModel says what it looked
// for, as a not-found error; the search asks for the newest of that name.
func TestNewestLoggedModelNoneIsNotFound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/experiments/get-by-name"):
			if got := r.URL.Query().Get("experiment_name"); got != "churn" {
				t.Errorf("experiment_name = %q", got)
			}
			fmt.Fprint(w, `{"experiment":{"experiment_id":"7"}}`)
		case strings.HasSuffix(r.URL.Path, "/logged-models/search"):
			var body struct {
				ExperimentIDs []string `json:"experiment_ids"`
				Filter        string   `json:"filter"`
				OrderBy       []struct {
					FieldName string `json:"field_name"`
					Ascending bool   `json:"ascending"`
				} `json:"order_by"`
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				t.Error(err)
			}
			if !reflect.DeepEqual(body.ExperimentIDs, []string{"7"}) || body.Filter != `name = 'it\'s'` ||
				len(body.OrderBy) != 1 || body.OrderBy[0].FieldName != "creation_timestamp" || body.OrderBy[0].Ascending {
				t.Errorf("search body %+v", body)
			}
			fmt.Fprint(w, `{}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	_, err := testClient(t, srv.URL).NewestLoggedModel(context.Background(), "churn", "it's")
	if !IsNotFound(err) || !strings.Contains(err.Error(), `no logged model named "it's" in the experiment "churn"`) {
		t.Fatalf("err = %v, want not found naming the model and the experiment", err)
	}
}
