package registry

import (
	"fmt"
	"strings"
	"unicode"
)

// Import IDs of the registry's resources (as docs/resources documents them). Each parser returns
// the ID's parts and "", or a problem (the diagnostic's detail) that names
// the expected format and quotes the ID. No part may be empty or only white
// space, and formatting the parts again gives back the ID.

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

// parseWebhookID parses mlops_registry_webhook's import ID: MLflow's
// webhook id, which has no '/' and no white space.
func parseWebhookID(id string) (webhookID, problem string) {
	if id == "" || strings.ContainsFunc(id, func(r rune) bool { return r == '/' || unicode.IsSpace(r) }) {
		return "", fmt.Sprintf("The import ID of mlops_registry_webhook is MLflow's webhook id, such as `5f0e2c...`; got %q.", id)
	}
	return id, ""
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }
