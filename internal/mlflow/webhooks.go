package mlflow

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Webhook statuses.
const (
	WebhookActive   = "ACTIVE"
	WebhookDisabled = "DISABLED"
)

// WebhookEvent is one event a webhook subscribes to. The REST API spells
// both in upper case ({"entity": "MODEL_VERSION", "action": "CREATED"});
// the provider's configuration, like the payloads MLflow delivers, in lower
// case joined by a dot (model_version.created).
type WebhookEvent struct {
	Entity string `json:"entity"`
	Action string `json:"action"`
}

// String is the event as entity.action, in lower case.
func (e WebhookEvent) String() string {
	return strings.ToLower(e.Entity) + "." + strings.ToLower(e.Action)
}

// ParseWebhookEvent reads entity.action (any case).
func ParseWebhookEvent(s string) (WebhookEvent, bool) {
	entity, action, ok := strings.Cut(s, ".")
	if !ok || entity == "" || action == "" {
		return WebhookEvent{}, false
	}
	return WebhookEvent{Entity: strings.ToUpper(entity), Action: strings.ToUpper(action)}, true
}

// WebhookEvents are the events MLflow 3.x accepts (its
// mlflow/entities/webhook.py), as entity.action.
var WebhookEvents = []string{
	"registered_model.created",
	"model_version.created",
	"model_version_tag.set", "model_version_tag.deleted",
	"model_version_alias.created", "model_version_alias.deleted",
	"prompt.created",
	"prompt_version.created",
	"prompt_tag.set", "prompt_tag.deleted",
	"prompt_version_tag.set", "prompt_version_tag.deleted",
	"prompt_alias.created", "prompt_alias.deleted",
	"budget_policy.exceeded",
}

// Webhook is MLflow's Webhook message. MLflow never returns the secret.
type Webhook struct {
	ID                   string         `json:"webhook_id"`
	Name                 string         `json:"name"`
	Description          string         `json:"description,omitempty"`
	URL                  string         `json:"url"`
	Events               []WebhookEvent `json:"events"`
	Status               string         `json:"status,omitempty"`
	CreationTimestamp    int64          `json:"creation_timestamp,omitempty"`
	LastUpdatedTimestamp int64          `json:"last_updated_timestamp,omitempty"`
}

// EventNames returns the webhook's events as entity.action, sorted.
func (w Webhook) EventNames() []string {
	out := make([]string, 0, len(w.Events))
	for _, e := range w.Events {
		out = append(out, e.String())
	}
	sort.Strings(out)
	return out
}

// WebhookInput is the body of a create, or of an update (where nil fields
// are left as they are).
type WebhookInput struct {
	Name        string         `json:"name,omitempty"`
	Description *string        `json:"description,omitempty"`
	URL         string         `json:"url,omitempty"`
	Events      []WebhookEvent `json:"events,omitempty"`
	Secret      *string        `json:"secret,omitempty"`
	Status      string         `json:"status,omitempty"`
}

// CreateWebhook creates a webhook. Webhooks have no unique key, so a
// create is retried only where the server cannot have acted.
func (c *Client) CreateWebhook(ctx context.Context, in WebhookInput) (*Webhook, error) {
	var out struct {
		Webhook Webhook `json:"webhook"`
	}
	if err := c.do(ctx, request{method: http.MethodPost, path: "webhooks", body: in}, &out); err != nil {
		return nil, err
	}
	return &out.Webhook, nil
}

// CreateWebhookChecked creates a webhook like CreateWebhook, but when the
// answer is lost it looks before it reports failure (see
// checkedCreate.run): a webhook of the same name and url made since the
// create began is the one it made.
func (c *Client) CreateWebhookChecked(ctx context.Context, in WebhookInput) (w *Webhook, recovered bool, err error) {
	return checkedCreate[Webhook]{
		kind:   "webhook",
		create: func(ctx context.Context) (*Webhook, error) { return c.CreateWebhook(ctx, in) },
		look: func(ctx context.Context, since int64) ([]Webhook, error) {
			all, err := c.ListWebhooks(ctx)
			var matches []Webhook
			for _, w := range all {
				if w.CreationTimestamp >= since && w.Name == in.Name && w.URL == in.URL {
					matches = append(matches, w)
				}
			}
			return matches, err
		},
		id: func(w Webhook) string { return w.ID },
	}.run(ctx, c)
}

// GetWebhook reads one webhook.
func (c *Client) GetWebhook(ctx context.Context, id string) (*Webhook, error) {
	var out struct {
		Webhook Webhook `json:"webhook"`
	}
	if err := c.get(ctx, "webhooks/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out.Webhook, nil
}

// UpdateWebhook changes the fields given.
func (c *Client) UpdateWebhook(ctx context.Context, id string, in WebhookInput) (*Webhook, error) {
	var out struct {
		Webhook Webhook `json:"webhook"`
	}
	if err := c.do(ctx, request{method: http.MethodPatch, path: "webhooks/" + url.PathEscape(id), body: in, idempotent: true}, &out); err != nil {
		return nil, err
	}
	return &out.Webhook, nil
}

// DeleteWebhook deletes one webhook.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "webhooks/" + url.PathEscape(id), idempotent: true}, nil)
}

// ListWebhooks reads every webhook, page by page.
func (c *Client) ListWebhooks(ctx context.Context) ([]Webhook, error) {
	return All(ctx, func(ctx context.Context, token string) ([]Webhook, string, error) {
		q := searchQuery("", token, 1000)
		var out struct {
			Webhooks      []Webhook `json:"webhooks"`
			NextPageToken string    `json:"next_page_token"`
		}
		err := c.get(ctx, "webhooks", q, &out)
		return out.Webhooks, out.NextPageToken, err
	})
}

// WebhookTestResult is what MLflow's test delivery gave.
type WebhookTestResult struct {
	Success        bool   `json:"success"`
	ResponseStatus int    `json:"response_status,omitempty"`
	ResponseBody   string `json:"response_body,omitempty"`
	ErrorMessage   string `json:"error_message,omitempty"`
}

// TestWebhook asks MLflow to deliver a test event (the webhook's first
// event when event is nil).
func (c *Client) TestWebhook(ctx context.Context, id string, event *WebhookEvent) (*WebhookTestResult, error) {
	var out struct {
		Result WebhookTestResult `json:"result"`
	}
	body := map[string]any{}
	if event != nil {
		body["event"] = event
	}
	if err := c.do(ctx, request{method: http.MethodPost, path: "webhooks/" + url.PathEscape(id) + "/test", body: body, idempotent: true}, &out); err != nil {
		return nil, err
	}
	return &out.Result, nil
}
