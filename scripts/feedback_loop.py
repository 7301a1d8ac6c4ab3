"""The quickstart's feedback loop, as a retraining step would start it:
registers a new version of MODEL in MLflow from SOURCE (MLflow 3's logged
model MODEL_ID), points the alias
ALIAS at it, then waits for the run of the evaluation pipeline that the
registry event started (MLflow's webhook -> Argo's server -> the pipeline's
WorkflowEventBinding -> Argo's controller), and prints one line of JSON: the
version, and the run's name, phase, parameters and steps.

Usage: python feedback_loop.py TRACKING_URI MODEL SOURCE MODEL_ID ALIAS KUBECONFIG NAMESPACE PIPELINE [TIMEOUT_SECONDS]
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kubeapi import Kube, summary  # noqa: E402

tracking, model, source, model_id, alias, kubeconfig, namespace, pipeline = sys.argv[1:9]
timeout = float(sys.argv[9]) if len(sys.argv) > 9 else 120


def mlflow(method, path, body):
    req = urllib.request.Request(f"{tracking}/api/2.0/mlflow/{path}", method=method, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as e:
        raise SystemExit(f"MLflow {method} {path}: {e.code} {e.read().decode(errors='replace')}")


kube = Kube(kubeconfig)
base = kube.workflows(namespace) + "?labelSelector=workflows.argoproj.io/workflow-event-binding=" + pipeline
before = {w["metadata"]["name"] for w in kube.call("GET", base)["items"]}
version = mlflow("POST", "model-versions/create", {"name": model, "source": source, "model_id": model_id,
                                                   "description": "retrained (the quickstart's feedback loop)"})["model_version"]["version"]
mlflow("POST", "registered-models/alias", {"name": model, "alias": alias, "version": version})

deadline = time.time() + timeout
run = None
while time.time() < deadline:
    runs = [w for w in kube.call("GET", base)["items"] if w["metadata"]["name"] not in before]
    if runs:
        run = runs[0]
        if run.get("status", {}).get("phase") in ("Succeeded", "Failed", "Error"):
            break
    time.sleep(0.5)
if run is None:
    raise SystemExit(f"no run of {pipeline} started within {timeout:.0f}s of setting {model}@{alias} to version {version}")
print(json.dumps({"version": version, **summary(run)}))
