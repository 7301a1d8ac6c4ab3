package mlflow

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// SearchPageSize is the page size the client asks for; MLflow allows up to
// 1000 for registered models and more for versions.
const SearchPageSize = 1000

// ---- registered models ----

// CreateRegisteredModelInput is registered-models/create's body.
type CreateRegisteredModelInput struct {
	Name        string `json:"name"`
	Tags        []Tag  `json:"tags,omitempty"`
	Description string `json:"description,omitempty"`
}

// CreateRegisteredModel creates a model. A retry never creates a second one
// (names are unique), so only retries that cannot have reached the server
// are made.
func (c *Client) CreateRegisteredModel(ctx context.Context, in CreateRegisteredModelInput) (*RegisteredModel, error) {
	var out struct {
		RegisteredModel RegisteredModel `json:"registered_model"`
	}
	if err := c.do(ctx, request{method: http.MethodPost, path: "registered-models/create", body: in}, &out); err != nil {
		return nil, err
	}
	return &out.RegisteredModel, nil
}

// CreateRegisteredModelChecked creates a model like CreateRegisteredModel,
// but when the answer is lost it looks before it reports failure (see
// checkedCreate.run): a model of that name created since the create began,
// with the description sent, is the one it made. A model of that name that
// was there before is someone else's: the create is sent again, and says
// so (names are unique).
func (c *Client) CreateRegisteredModelChecked(ctx context.Context, in CreateRegisteredModelInput) (rm *RegisteredModel, recovered bool, err error) {
	return checkedCreate[RegisteredModel]{
		kind:   "model",
		create: func(ctx context.Context) (*RegisteredModel, error) { return c.CreateRegisteredModel(ctx, in) },
		look: func(ctx context.Context, since int64) ([]RegisteredModel, error) {
			found, err := c.GetRegisteredModel(ctx, in.Name)
			switch {
			case IsNotFound(err):
				return nil, nil
			case err != nil:
				return nil, err
			case found.CreationTimestamp >= since && found.Description == in.Description:
				return []RegisteredModel{*found}, nil
			}
			return nil, nil
		},
		id: func(m RegisteredModel) string { return m.Name },
	}.run(ctx, c)
}

// GetRegisteredModel reads one model.
func (c *Client) GetRegisteredModel(ctx context.Context, name string) (*RegisteredModel, error) {
	var out struct {
		RegisteredModel RegisteredModel `json:"registered_model"`
	}
	if err := c.get(ctx, "registered-models/get", url.Values{"name": {name}}, &out); err != nil {
		return nil, err
	}
	return &out.RegisteredModel, nil
}

// RenameRegisteredModel renames a model; its versions and aliases follow.
func (c *Client) RenameRegisteredModel(ctx context.Context, name, newName string) (*RegisteredModel, error) {
	var out struct {
		RegisteredModel RegisteredModel `json:"registered_model"`
	}
	body := map[string]string{"name": name, "new_name": newName}
	if err := c.do(ctx, request{method: http.MethodPost, path: "registered-models/rename", body: body}, &out); err != nil {
		return nil, err
	}
	return &out.RegisteredModel, nil
}

// UpdateRegisteredModel sets the description ("" clears it).
func (c *Client) UpdateRegisteredModel(ctx context.Context, name, description string) error {
	body := map[string]string{"name": name, "description": description}
	return c.do(ctx, request{method: http.MethodPatch, path: "registered-models/update", body: body, idempotent: true}, nil)
}

// DeleteRegisteredModel deletes a model (MLflow deletes its versions too).
func (c *Client) DeleteRegisteredModel(ctx context.Context, name string) error {
	body := map[string]string{"name": name}
	return c.do(ctx, request{method: http.MethodDelete, path: "registered-models/delete", body: body, idempotent: true}, nil)
}

// SetRegisteredModelTag sets one tag.
func (c *Client) SetRegisteredModelTag(ctx context.Context, name, key, value string) error {
	body := map[string]string{"name": name, "key": key, "value": value}
	return c.do(ctx, request{method: http.MethodPost, path: "registered-models/set-tag", body: body, idempotent: true}, nil)
}

// DeleteRegisteredModelTag removes one tag.
func (c *Client) DeleteRegisteredModelTag(ctx context.Context, name, key string) error {
	body := map[string]string{"name": name, "key": key}
	return c.do(ctx, request{method: http.MethodDelete, path: "registered-models/delete-tag", body: body, idempotent: true}, nil)
}

// SearchRegisteredModelsPage reads one page of registered-models/search.
func (c *Client) SearchRegisteredModelsPage(ctx context.Context, filter, pageToken string, maxResults int) ([]RegisteredModel, string, error) {
	q := searchQuery(filter, pageToken, maxResults)
	var out struct {
		RegisteredModels []RegisteredModel `json:"registered_models"`
		NextPageToken    string            `json:"next_page_token"`
	}
	if err := c.get(ctx, "registered-models/search", q, &out); err != nil {
		return nil, "", err
	}
	return out.RegisteredModels, out.NextPageToken, nil
}

// SearchRegisteredModels reads every page.
func (c *Client) SearchRegisteredModels(ctx context.Context, filter string) ([]RegisteredModel, error) {
	return All(ctx, func(ctx context.Context, token string) ([]RegisteredModel, string, error) {
		return c.SearchRegisteredModelsPage(ctx, filter, token, SearchPageSize)
	})
}

// ---- aliases ----

// SetAlias points alias at version, creating or moving it.
func (c *Client) SetAlias(ctx context.Context, name, alias, version string) error {
	body := map[string]string{"name": name, "alias": alias, "version": version}
	return c.do(ctx, request{method: http.MethodPost, path: "registered-models/alias", body: body, idempotent: true}, nil)
}

// DeleteAlias removes an alias.
func (c *Client) DeleteAlias(ctx context.Context, name, alias string) error {
	body := map[string]string{"name": name, "alias": alias}
	return c.do(ctx, request{method: http.MethodDelete, path: "registered-models/alias", body: body, idempotent: true}, nil)
}

// GetModelVersionByAlias returns the version an alias points at.
func (c *Client) GetModelVersionByAlias(ctx context.Context, name, alias string) (*ModelVersion, error) {
	var out struct {
		ModelVersion ModelVersion `json:"model_version"`
	}
	if err := c.get(ctx, "registered-models/alias", url.Values{"name": {name}, "alias": {alias}}, &out); err != nil {
		// MLflow answers a missing alias with a 400 INVALID_PARAMETER_VALUE
		// ("Registered model alias x not found."): report it as not found.
		if e, ok := asAPIError(err); ok && e.ErrorCode == CodeInvalidParameterValue &&
			strings.Contains(strings.ToLower(e.Message), "not found") {
			e.ErrorCode = CodeResourceDoesNotExist
		}
		return nil, err
	}
	return &out.ModelVersion, nil
}

// ---- model versions ----

// CreateModelVersionInput is model-versions/create's body.
type CreateModelVersionInput struct {
	Name        string `json:"name"`
	Source      string `json:"source"`
	RunID       string `json:"run_id,omitempty"`
	Tags        []Tag  `json:"tags,omitempty"`
	RunLink     string `json:"run_link,omitempty"`
	Description string `json:"description,omitempty"`
	ModelID     string `json:"model_id,omitempty"`
}

// CreateModelVersion registers a new version. It is not idempotent (each
// call makes a new version), so it is retried only where the server cannot
// have acted on it.
func (c *Client) CreateModelVersion(ctx context.Context, in CreateModelVersionInput) (*ModelVersion, error) {
	var out struct {
		ModelVersion ModelVersion `json:"model_version"`
	}
	if err := c.do(ctx, request{method: http.MethodPost, path: "model-versions/create", body: in}, &out); err != nil {
		return nil, err
	}
	return &out.ModelVersion, nil
}

// CreateModelVersionChecked is CreateModelVersion for a create whose answer
// may be lost (checkedCreate.run says what it does then): the version it
// made is one registered since the create began with the same source, run
// and description.
func (c *Client) CreateModelVersionChecked(ctx context.Context, in CreateModelVersionInput) (mv *ModelVersion, recovered bool, err error) {
	return checkedCreate[ModelVersion]{
		kind:   "version",
		create: func(ctx context.Context) (*ModelVersion, error) { return c.CreateModelVersion(ctx, in) },
		look: func(ctx context.Context, since int64) ([]ModelVersion, error) {
			found, err := c.SearchModelVersions(ctx, ModelFilter(in.Name))
			var matches []ModelVersion
			for _, v := range found {
				if v.CreationTimestamp >= since && v.Source == in.Source && (in.RunID == "" || v.RunID == in.RunID) && v.Description == in.Description {
					matches = append(matches, v)
				}
			}
			return matches, err
		},
		id: func(v ModelVersion) string { return v.Version },
	}.run(ctx, c)
}

// GetModelVersion reads one version.
func (c *Client) GetModelVersion(ctx context.Context, name, version string) (*ModelVersion, error) {
	var out struct {
		ModelVersion ModelVersion `json:"model_version"`
	}
	if err := c.get(ctx, "model-versions/get", url.Values{"name": {name}, "version": {version}}, &out); err != nil {
		return nil, err
	}
	return &out.ModelVersion, nil
}

// UpdateModelVersion sets the description ("" clears it).
func (c *Client) UpdateModelVersion(ctx context.Context, name, version, description string) error {
	body := map[string]string{"name": name, "version": version, "description": description}
	return c.do(ctx, request{method: http.MethodPatch, path: "model-versions/update", body: body, idempotent: true}, nil)
}

// TransitionModelVersionStage moves a version to a legacy stage.
func (c *Client) TransitionModelVersionStage(ctx context.Context, name, version, stage string, archiveExisting bool) (*ModelVersion, error) {
	var out struct {
		ModelVersion ModelVersion `json:"model_version"`
	}
	body := map[string]any{"name": name, "version": version, "stage": stage, "archive_existing_versions": archiveExisting}
	if err := c.do(ctx, request{method: http.MethodPost, path: "model-versions/transition-stage", body: body, idempotent: true}, &out); err != nil {
		return nil, err
	}
	return &out.ModelVersion, nil
}

// DeleteModelVersion deletes one version.
func (c *Client) DeleteModelVersion(ctx context.Context, name, version string) error {
	body := map[string]string{"name": name, "version": version}
	return c.do(ctx, request{method: http.MethodDelete, path: "model-versions/delete", body: body, idempotent: true}, nil)
}

// GetModelVersionDownloadURI returns where the version's files are.
func (c *Client) GetModelVersionDownloadURI(ctx context.Context, name, version string) (string, error) {
	var out struct {
		ArtifactURI string `json:"artifact_uri"`
	}
	if err := c.get(ctx, "model-versions/get-download-uri", url.Values{"name": {name}, "version": {version}}, &out); err != nil {
		return "", err
	}
	return out.ArtifactURI, nil
}

// SetModelVersionTag sets one tag.
func (c *Client) SetModelVersionTag(ctx context.Context, name, version, key, value string) error {
	body := map[string]string{"name": name, "version": version, "key": key, "value": value}
	return c.do(ctx, request{method: http.MethodPost, path: "model-versions/set-tag", body: body, idempotent: true}, nil)
}

// DeleteModelVersionTag removes one tag.
func (c *Client) DeleteModelVersionTag(ctx context.Context, name, version, key string) error {
	body := map[string]string{"name": name, "version": version, "key": key}
	return c.do(ctx, request{method: http.MethodDelete, path: "model-versions/delete-tag", body: body, idempotent: true}, nil)
}

// SearchModelVersionsPage reads one page of model-versions/search.
func (c *Client) SearchModelVersionsPage(ctx context.Context, filter, pageToken string, maxResults int) ([]ModelVersion, string, error) {
	q := searchQuery(filter, pageToken, maxResults)
	var out struct {
		ModelVersions []ModelVersion `json:"model_versions"`
		NextPageToken string         `json:"next_page_token"`
	}
	if err := c.get(ctx, "model-versions/search", q, &out); err != nil {
		return nil, "", err
	}
	return out.ModelVersions, out.NextPageToken, nil
}

// SearchModelVersions reads every page.
func (c *Client) SearchModelVersions(ctx context.Context, filter string) ([]ModelVersion, error) {
	return All(ctx, func(ctx context.Context, token string) ([]ModelVersion, string, error) {
		return c.SearchModelVersionsPage(ctx, filter, token, SearchPageSize)
	})
}

// ModelFilter returns the search filter that selects one model's versions.
func ModelFilter(name string) string {
	return "name=" + QuoteFilterString(name)
}

// QuoteFilterString quotes s for an MLflow search filter.
func QuoteFilterString(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

// searchQuery is the query of one page of a search.
func searchQuery(filter, pageToken string, maxResults int) url.Values {
	q := url.Values{"max_results": {strconv.Itoa(maxResults)}}
	if filter != "" {
		q.Set("filter", filter)
	}
	if pageToken != "" {
		q.Set("page_token", pageToken)
	}
	return q
}
