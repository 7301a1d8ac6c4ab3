package registry

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/tfval"
)

// How the registry's resources are imported: by an import ID (as
// docs/resources documents them) or, with `import { identity = {...} }`
// (Terraform 1.12+, OpenTofu 1.12+), by the resource's identity. Each
// parser returns the ID's parts and "", or a problem (the diagnostic's
// detail) that names the expected format and quotes the ID. No part may be
// empty or only white space, and formatting the parts again gives back the
// ID.

// importer is how a resource is imported: idOf makes the import ID from an
// import's identity, and attrs parses an import ID into the attributes the
// import sets, or returns the problem with it.
type importer struct {
	idOf  func(identity map[string]string) string
	attrs func(id string) (set []importAttr, problem string)
}

// importAttr is an attribute an import sets in the state.
type importAttr struct {
	name  string
	value any
}

// importState imports by the import ID, or by the identity when the import
// gives one.
func (im importer) importState(ctx context.Context, identity tfval.Identity, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importID := req.ID
	if v, ok := identity.Values(ctx, req, &resp.Diagnostics); ok {
		importID = im.idOf(v)
	}
	set, problem := im.attrs(importID)
	if problem != "" {
		resp.Diagnostics.AddError("Invalid import ID", problem)
		return
	}
	for _, a := range set {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(a.name), a.value)...)
	}
}

// registeredModelImport imports a registered model by its name.
var registeredModelImport = importer{
	idOf: func(v map[string]string) string { return v["name"] },
	attrs: func(id string) ([]importAttr, string) {
		name, problem := parseRegisteredModelID(id)
		return []importAttr{{"id", name}, {"name", name}, {"force_destroy", false}}, problem
	},
}

// parseRegisteredModelID parses mlops_registered_model's import ID: the
// model's name.
func parseRegisteredModelID(id string) (name, problem string) {
	if blank(id) {
		return "", fmt.Sprintf("The import ID of mlops_registered_model is the model's name, such as `churn`; got %q.", id)
	}
	return id, ""
}

// parseModelVersionID parses mlops_model_version's import ID,
// `<model_name>/<version>`, split at the last '/'.
func parseModelVersionID(id string) (name, version, problem string) {
	i := strings.LastIndex(id, "/")
	if i < 0 || blank(id[:i]) || !isVersionNumber(id[i+1:]) {
		return "", "", fmt.Sprintf("The import ID of mlops_model_version is `<model_name>/<version>`, such as `churn/3`; got %q.", id)
	}
	return id[:i], id[i+1:], ""
}

// modelVersionID formats mlops_model_version's ID.
func modelVersionID(name, version string) string { return name + "/" + version }

// modelVersionImport imports a model version by `<model_name>/<version>`.
var modelVersionImport = importer{
	idOf: func(v map[string]string) string { return modelVersionID(v["model_name"], v["version"]) },
	attrs: func(id string) ([]importAttr, string) {
		name, version, problem := parseModelVersionID(id)
		return []importAttr{{"model_name", name}, {"version", version}, {"id", id}, {"archive_existing_versions", false}}, problem
	},
}

// parseModelAliasID parses mlops_model_alias's import ID,
// `<model_name>@<alias>`, split at the last '@'.
func parseModelAliasID(id string) (name, alias, problem string) {
	i := strings.LastIndex(id, "@")
	if i < 0 || blank(id[:i]) || blank(id[i+1:]) {
		return "", "", fmt.Sprintf("The import ID of mlops_model_alias is `<model_name>@<alias>`, such as `churn@champion`; got %q.", id)
	}
	return id[:i], id[i+1:], ""
}

// modelAliasID formats mlops_model_alias's ID.
func modelAliasID(name, alias string) string { return name + "@" + alias }

// modelAliasImport imports a model alias by `<model_name>@<alias>`.
var modelAliasImport = importer{
	idOf: func(v map[string]string) string { return modelAliasID(v["model_name"], v["alias"]) },
	attrs: func(id string) ([]importAttr, string) {
		name, alias, problem := parseModelAliasID(id)
		return []importAttr{{"model_name", name}, {"alias", alias}, {"id", id}}, problem
	},
}

// parseWebhookID parses mlops_registry_webhook's import ID: MLflow's
// webhook id, which has no '/' and no white space.
func parseWebhookID(id string) (webhookID, problem string) {
	if id == "" || strings.ContainsFunc(id, func(r rune) bool { return r == '/' || unicode.IsSpace(r) }) {
		return "", fmt.Sprintf("The import ID of mlops_registry_webhook is MLflow's webhook id, such as `5f0e2c...`; got %q.", id)
	}
	return id, ""
}

// registryWebhookImport imports a registry webhook by MLflow's webhook id.
var registryWebhookImport = importer{
	idOf: func(v map[string]string) string { return v["id"] },
	attrs: func(id string) ([]importAttr, string) {
		webhookID, problem := parseWebhookID(id)
		return []importAttr{{"id", webhookID}}, problem
	},
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// parseModelPermissionID parses mlops_registered_model_permission's import
// ID, `<model_name>/<username>`, split at the last '/'.
func parseModelPermissionID(id string) (name, username, problem string) {
	i := strings.LastIndex(id, "/")
	if i < 0 || blank(id[:i]) || blank(id[i+1:]) {
		return "", "", fmt.Sprintf("The import ID of mlops_registered_model_permission is `<model_name>/<username>`, such as `churn/alice`; got %q.", id)
	}
	return id[:i], id[i+1:], ""
}

// modelPermissionID formats mlops_registered_model_permission's ID.
func modelPermissionID(name, username string) string { return name + "/" + username }

// modelPermissionImport imports a permission by `<model_name>/<username>`.
var modelPermissionImport = importer{
	idOf: func(v map[string]string) string { return modelPermissionID(v["model_name"], v["username"]) },
	attrs: func(id string) ([]importAttr, string) {
		name, username, problem := parseModelPermissionID(id)
		return []importAttr{{"model_name", name}, {"username", username}, {"id", id}}, problem
	},
}
