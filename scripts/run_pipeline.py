"""Runs a pipeline once, as `argo submit --from workflowtemplate/NAME` would:
creates an Argo Workflow from the pipeline's WorkflowTemplate through the
Kubernetes API, waits until Argo's controller finishes it, and prints one
line of JSON: the run's name, phase and steps.

Usage: python run_pipeline.py KUBECONFIG NAMESPACE PIPELINE [TIMEOUT_SECONDS]

Only the standard library: the kubeconfig must hold a server, a CA and a
token, as the local cluster's does (scripts/kube-server.sh).
"""

import base64
import json
import ssl
import sys
import tempfile
import time
import urllib.request

kubeconfig, namespace, pipeline = sys.argv[1:4]
timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 120
text = open(kubeconfig).read()


def field(name):
    for line in text.splitlines():
        if line.strip().startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    raise SystemExit(f"{kubeconfig} has no {name}")


server, token = field("server"), field("token")
ca = tempfile.NamedTemporaryFile("wb", suffix=".crt", delete=False)
ca.write(base64.b64decode(field("certificate-authority-data")))
ca.close()
ctx = ssl.create_default_context(cafile=ca.name)
base = f"{server}/apis/argoproj.io/v1alpha1/namespaces/{namespace}/workflows"


def call(method, url, body=None):
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, context=ctx, timeout=30) as resp:
        return json.load(resp)


run = call("POST", base, {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
    "metadata": {"generateName": pipeline + "-", "namespace": namespace},
    "spec": {"workflowTemplateRef": {"name": pipeline}},
})
name = run["metadata"]["name"]
deadline = time.time() + timeout
while True:
    run = call("GET", f"{base}/{name}")
    phase = run.get("status", {}).get("phase", "")
    if phase in ("Succeeded", "Failed", "Error") or time.time() > deadline:
        break
    time.sleep(0.5)
nodes = run.get("status", {}).get("nodes", {}).values()
steps = sorted(({"step": n["displayName"], "phase": n.get("phase", "")} for n in nodes if n.get("type") == "Pod"),
               key=lambda s: s["step"])
print(json.dumps({"run": name, "phase": phase, "steps": steps, "message": run.get("status", {}).get("message", "")}))
