"""A few calls to the Kubernetes API with only the standard library, for the
quickstart's scripts. The kubeconfig must hold a server, a CA and a token, as
the local cluster's does (scripts/kube-server.sh)."""

import base64
import json
import ssl
import tempfile
import urllib.request


class Kube:
    def __init__(self, kubeconfig):
        text = open(kubeconfig).read()

        def field(name):
            for line in text.splitlines():
                if line.strip().startswith(name + ":"):
                    return line.split(":", 1)[1].strip()
            raise SystemExit(f"{kubeconfig} has no {name}")

        self.server, self.token = field("server"), field("token")
        ca = tempfile.NamedTemporaryFile("wb", suffix=".crt", delete=False)
        ca.write(base64.b64decode(field("certificate-authority-data")))
        ca.close()
        self.ctx = ssl.create_default_context(cafile=ca.name)

    def call(self, method, path, body=None):
        req = urllib.request.Request(self.server + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + self.token, "Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=self.ctx, timeout=30) as resp:
            return json.load(resp)

    def workflows(self, namespace):
        return f"/apis/argoproj.io/v1alpha1/namespaces/{namespace}/workflows"


def summary(run):
    """A run's name, phase, parameters and steps, for printing."""
    status = run.get("status", {})
    nodes = list(status.get("nodes", {}).values())
    # A retried step is one Retry node with a Pod node per attempt: report
    # the step once, with the Retry node's phase. The exit handler's node is
    # named after the run; report it as on_exit.
    attempts = {c for n in nodes if n.get("type") == "Retry" for c in n.get("children", [])}
    steps = sorted(({"step": "on_exit" if n["displayName"].endswith(".onExit") else n["displayName"], "phase": n.get("phase", "")}
                    for n in nodes if n.get("type") in ("Pod", "Retry", "Skipped") and n["id"] not in attempts),
                   key=lambda s: s["step"])
    params = {p["name"]: p.get("value") for p in run.get("spec", {}).get("arguments", {}).get("parameters", [])}
    return {"run": run["metadata"]["name"], "phase": status.get("phase", ""), "parameters": params, "steps": steps,
            "message": status.get("message", "")}
