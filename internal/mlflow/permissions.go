package mlflow

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// Permissions a user may hold on a registered model in MLflow's
// authentication app (mlflow server --app-name basic-auth).
var Permissions = []string{"READ", "USE", "EDIT", "MANAGE", "DENY", "NO_PERMISSIONS"}

// ResourceRegisteredModel is the grants API's resource_type of a model.
const ResourceRegisteredModel = "registered_model"

// Grant is one permission granted to a user directly (on the user's own
// role, not through a role assigned to them).
type Grant struct {
	Username     string
	ResourceType string
	ResourceID   string
	Permission   string
}

func (g Grant) body() map[string]string {
	return map[string]string{"username": g.Username, "resource_type": g.ResourceType, "resource_id": g.ResourceID, "permission": g.Permission}
}

// GrantPermission grants g. MLflow refuses a grant that exists
// (RESOURCE_ALREADY_EXISTS): change one with RevokePermission, then grant.
func (c *Client) GrantPermission(ctx context.Context, g Grant) error {
	return c.do(ctx, request{method: http.MethodPost, api: "3.0", path: "users/permissions/grant", body: g.body()}, nil)
}

// GrantPermissionChecked grants g like GrantPermission, but when the answer
// is lost it looks before it reports failure (checkedCreate.run): a grant
// has no creation time to tell it from an older one, so the user's own grant
// on the resource is read first, and only when there was none before is the
// one found after a lost answer, with g's permission, taken for the one this
// grant made. A grant that was there before is left for MLflow to refuse.
func (c *Client) GrantPermissionChecked(ctx context.Context, g Grant) (recovered bool, err error) {
	_, err = c.GetGrant(ctx, g.Username, g.ResourceType, g.ResourceID)
	existed := err == nil
	if err != nil && !IsNotFound(err) {
		return false, err
	}
	_, recovered, err = checkedCreate[Grant]{
		kind: "grant",
		create: func(ctx context.Context) (*Grant, error) {
			if err := c.GrantPermission(ctx, g); err != nil {
				return nil, err
			}
			return &g, nil
		},
		look: func(ctx context.Context, _ int64) ([]Grant, error) {
			found, err := c.GetGrant(ctx, g.Username, g.ResourceType, g.ResourceID)
			switch {
			case IsNotFound(err) || existed:
				return nil, nil
			case err != nil:
				return nil, err
			case found.Permission == g.Permission:
				return []Grant{*found}, nil
			}
			return nil, nil
		},
		id: func(g Grant) string { return g.Username + ":" + g.Permission },
	}.run(ctx, c)
	return recovered, err
}

// RevokePermission removes the user's own grant on the resource.
func (c *Client) RevokePermission(ctx context.Context, g Grant) error {
	body := g.body()
	delete(body, "permission")
	return c.do(ctx, request{method: http.MethodPost, api: "3.0", path: "users/permissions/revoke", body: body, idempotent: true}, nil)
}

// GetGrant reads the user's own grant on the resource, as listed by
// users/permissions/list (users/permissions/get resolves the permission in
// force instead, defaults and roles included). It returns an APIError that
// IsNotFound when the user has no grant of their own on it.
func (c *Client) GetGrant(ctx context.Context, username, resourceType, resourceID string) (*Grant, error) {
	var out struct {
		Permissions []struct {
			Permission      string `json:"permission"`
			ResourcePattern string `json:"resource_pattern"`
			ResourceType    string `json:"resource_type"`
			RoleName        string `json:"role_name"`
		} `json:"permissions"`
	}
	req := request{method: http.MethodGet, api: "3.0", path: "users/permissions/list", query: url.Values{"username": {username}}, idempotent: true}
	if err := c.do(ctx, req, &out); err != nil {
		return nil, err
	}
	for _, p := range out.Permissions {
		// The user's own grants sit on a role MLflow makes for them.
		if p.ResourceType == resourceType && p.ResourcePattern == resourceID && strings.HasPrefix(p.RoleName, "__user_") {
			return &Grant{Username: username, ResourceType: resourceType, ResourceID: resourceID, Permission: p.Permission}, nil
		}
	}
	return nil, &APIError{Method: http.MethodGet, Path: "users/permissions/list", StatusCode: http.StatusNotFound, ErrorCode: CodeNotFound,
		Message: "user " + username + " has no permission of their own on " + resourceType + " " + resourceID}
}

// CreateUser creates a user of the authentication app.
func (c *Client) CreateUser(ctx context.Context, username, password string) error {
	body := map[string]string{"username": username, "password": password}
	return c.do(ctx, request{method: http.MethodPost, path: "users/create", body: body}, nil)
}

// DeleteUser deletes a user of the authentication app.
func (c *Client) DeleteUser(ctx context.Context, username string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "users/delete", body: map[string]string{"username": username}, idempotent: true}, nil)
}
