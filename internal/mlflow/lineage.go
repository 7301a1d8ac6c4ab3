package mlflow

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Metric is one value of a metric, at a step.
type Metric struct {
	Key       string  `json:"key"`
	Value     float64 `json:"value"`
	Timestamp int64   `json:"timestamp"`
	Step      int64   `json:"step"`
}

// Param is one parameter.
type Param struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// LoggedModel is MLflow 3's logged model (logged-models/get).
type LoggedModel struct {
	Info struct {
		ModelID      string `json:"model_id"`
		ExperimentID string `json:"experiment_id"`
		Name         string `json:"name"`
		ArtifactURI  string `json:"artifact_uri"`
		Status       string `json:"status"`
		SourceRunID  string `json:"source_run_id"`
		Tags         []Tag  `json:"tags"`
	} `json:"info"`
	Data struct {
		Params  []Param  `json:"params"`
		Metrics []Metric `json:"metrics"`
	} `json:"data"`
}

// Source is the URI a model version registered from the logged model
// takes as its source.
func (m LoggedModel) Source() string { return "models:/" + m.Info.ModelID }

// ModelIDOfSource returns the MLflow 3 logged-model id in a source of the
// form models:/m-<id>, or "" for any other source (models:/<name>/<version>
// names a registered model's version, not a logged model).
func ModelIDOfSource(source string) string {
	id, ok := strings.CutPrefix(source, "models:/")
	if !ok || !strings.HasPrefix(id, "m-") || len(id) == 2 || strings.ContainsAny(id, "/?#@") {
		return ""
	}
	return id
}

// LoggedModelID is the logged model the version was made from: model_id as
// the server reports it, else the id in its models:/m-<id> source (MLflow
// 3.17 does not echo model_id in model-versions/get), else "".
func (mv ModelVersion) LoggedModelID() string {
	if mv.ModelID != "" {
		return mv.ModelID
	}
	return ModelIDOfSource(mv.Source)
}

// Lineage is what a model was trained with and scored: the latest value of
// each metric, and the parameters.
type Lineage struct {
	Metrics map[string]float64
	Params  map[string]string
}

// lineageOf keeps each metric's value at its highest step, and of the
// values at that step the one with the latest timestamp (the last listed
// on a tie).
func lineageOf(metrics []Metric, params []Param) Lineage {
	l := Lineage{Metrics: map[string]float64{}, Params: map[string]string{}}
	latest := map[string]Metric{}
	for _, m := range metrics {
		if prev, ok := latest[m.Key]; !ok || m.Step > prev.Step || (m.Step == prev.Step && m.Timestamp >= prev.Timestamp) {
			latest[m.Key] = m
		}
	}
	for k, m := range latest {
		l.Metrics[k] = m.Value
	}
	for _, p := range params {
		l.Params[p.Key] = p.Value
	}
	return l
}

// Lineage of the logged model.
func (m LoggedModel) Lineage() Lineage { return lineageOf(m.Data.Metrics, m.Data.Params) }

// GetLoggedModel reads one logged model.
func (c *Client) GetLoggedModel(ctx context.Context, modelID string) (*LoggedModel, error) {
	var out struct {
		Model LoggedModel `json:"model"`
	}
	if err := c.get(ctx, "logged-models/"+url.PathEscape(modelID), nil, &out); err != nil {
		return nil, err
	}
	return &out.Model, nil
}

// NewestLoggedModel reads the newest logged model of that name in the
// experiment of that name; an APIError that IsNotFound when there is none.
func (c *Client) NewestLoggedModel(ctx context.Context, experiment, name string) (*LoggedModel, error) {
	var exp struct {
		Experiment struct {
			ExperimentID string `json:"experiment_id"`
		} `json:"experiment"`
	}
	if err := c.get(ctx, "experiments/get-by-name", url.Values{"experiment_name": {experiment}}, &exp); err != nil {
		return nil, err
	}
	body := map[string]any{
		"experiment_ids": []string{exp.Experiment.ExperimentID},
		"filter":         "name = " + QuoteFilterString(name),
		"order_by":       []map[string]any{{"field_name": "creation_timestamp", "ascending": false}},
		"max_results":    1,
	}
	var out struct {
		Models []LoggedModel `json:"models"`
	}
	// A search changes nothing: it may be retried like a read.
	if err := c.do(ctx, request{method: http.MethodPost, path: "logged-models/search", body: body, idempotent: true}, &out); err != nil {
		return nil, err
	}
	if len(out.Models) == 0 {
		return nil, &APIError{Method: http.MethodPost, Path: "logged-models/search", StatusCode: http.StatusNotFound, ErrorCode: CodeNotFound,
			Message: fmt.Sprintf("no logged model named %q in the experiment %q", name, experiment)}
	}
	// The search's answer may leave out metrics' history: read the model.
	return c.GetLoggedModel(ctx, out.Models[0].Info.ModelID)
}

// RunLineage reads a run's latest metrics and its parameters.
func (c *Client) RunLineage(ctx context.Context, runID string) (Lineage, error) {
	var out struct {
		Run struct {
			Data struct {
				Metrics []Metric `json:"metrics"`
				Params  []Param  `json:"params"`
			} `json:"data"`
		} `json:"run"`
	}
	if err := c.get(ctx, "runs/get", url.Values{"run_id": {runID}}, &out); err != nil {
		return Lineage{}, err
	}
	return lineageOf(out.Run.Data.Metrics, out.Run.Data.Params), nil
}

// VersionLineage is a model version's lineage: its logged model's (see
// LoggedModelID), else its run's, else empty.
func (c *Client) VersionLineage(ctx context.Context, mv ModelVersion) (Lineage, error) {
	switch id := mv.LoggedModelID(); {
	case id != "":
		m, err := c.GetLoggedModel(ctx, id)
		if err != nil {
			return Lineage{}, err
		}
		return m.Lineage(), nil
	case mv.RunID != "":
		return c.RunLineage(ctx, mv.RunID)
	}
	return Lineage{Metrics: map[string]float64{}, Params: map[string]string{}}, nil
}
