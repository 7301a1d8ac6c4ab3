"""Runs a pipeline once, as `argo submit --from workflowtemplate/NAME` would:
creates an Argo Workflow from the pipeline's WorkflowTemplate through the
Kubernetes API, waits until Argo's controller finishes it, and prints one
line of JSON: the run's name, phase and steps.

Usage: python run_pipeline.py KUBECONFIG NAMESPACE PIPELINE [TIMEOUT_SECONDS]
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kubeapi import Kube, summary  # noqa: E402

kubeconfig, namespace, pipeline = sys.argv[1:4]
timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 120
kube = Kube(kubeconfig)
base = kube.workflows(namespace)
run = kube.call("POST", base, {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
    "metadata": {"generateName": pipeline + "-", "namespace": namespace},
    "spec": {"workflowTemplateRef": {"name": pipeline}},
})
name = run["metadata"]["name"]
deadline = time.time() + timeout
while True:
    run = kube.call("GET", f"{base}/{name}")
    if run.get("status", {}).get("phase") in ("Succeeded", "Failed", "Error") or time.time() > deadline:
        break
    time.sleep(0.5)
out = summary(run)
del out["parameters"]
print(json.dumps(out))
