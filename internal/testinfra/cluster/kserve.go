package cluster

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// KServeManifests returns what KServe's manager needs besides its CRDs, made
// from KServe's own files in its module directory (kserveDir): config (to
// apply before the manager starts) and webhooks (to apply once it serves
// them):
//
//   - the kserve namespace;
//   - the inferenceservice-config ConfigMap, with Standard as the default
//     deployment mode, Istio virtual hosts off and ingressDomain as given
//     (and without its `_example` key, which documents the others);
//   - every webhook configuration of config/webhook/manifests.yaml, pointed
//     at webhookURL (the manager's webhook server on loopback) with caFile
//     as the CA bundle instead of at an in-cluster Service;
//   - KServe's default ClusterStorageContainer.
func KServeManifests(kserveDir, webhookURL, caFile, ingressDomain string) (config, webhooks []*unstructured.Unstructured, err error) {
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return nil, nil, err
	}
	out := []*unstructured.Unstructured{{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "kserve"},
	}}}

	cms, err := ReadObjects([]string{filepath.Join(kserveDir, "config", "configmap", "inferenceservice.yaml")})
	if err != nil {
		return nil, nil, err
	}
	for _, cm := range cms {
		if cm.GetKind() != "ConfigMap" {
			continue
		}
		data, _, _ := unstructured.NestedStringMap(cm.Object, "data")
		delete(data, "_example")
		if data["deploy"], err = patchJSON(data["deploy"], map[string]any{"defaultDeploymentMode": "Standard"}); err != nil {
			return nil, nil, fmt.Errorf("inferenceservice-config deploy: %w", err)
		}
		if data["ingress"], err = patchJSON(data["ingress"], map[string]any{"disableIstioVirtualHost": true, "ingressDomain": ingressDomain}); err != nil {
			return nil, nil, fmt.Errorf("inferenceservice-config ingress: %w", err)
		}
		if err := unstructured.SetNestedStringMap(cm.Object, data, "data"); err != nil {
			return nil, nil, err
		}
		out = append(out, cm)
	}

	hooks, err := ReadObjects([]string{filepath.Join(kserveDir, "config", "webhook", "manifests.yaml")})
	if err != nil {
		return nil, nil, err
	}
	bundle := base64.StdEncoding.EncodeToString(ca)
	for _, h := range hooks {
		list, _, _ := unstructured.NestedSlice(h.Object, "webhooks")
		for i, item := range list {
			wh, _ := item.(map[string]any)
			path, _, _ := unstructured.NestedString(wh, "clientConfig", "service", "path")
			wh["clientConfig"] = map[string]any{"url": strings.TrimSuffix(webhookURL, "/") + path, "caBundle": bundle}
			list[i] = wh
		}
		if err := unstructured.SetNestedSlice(h.Object, list, "webhooks"); err != nil {
			return nil, nil, err
		}
		webhooks = append(webhooks, h)
	}

	storage, err := ReadObjects([]string{filepath.Join(kserveDir, "config", "storagecontainers", "default.yaml")})
	if err != nil {
		return nil, nil, err
	}
	return append(out, storage...), webhooks, nil
}

// patchJSON sets keys of a JSON object held in a string.
func patchJSON(doc string, set map[string]any) (string, error) {
	m := map[string]any{}
	if strings.TrimSpace(doc) != "" {
		if err := json.Unmarshal([]byte(doc), &m); err != nil {
			return "", err
		}
	}
	for k, v := range set {
		m[k] = v
	}
	data, err := json.MarshalIndent(m, "", "  ")
	return string(data), err
}
