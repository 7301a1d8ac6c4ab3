"""Sends a real prediction request to an endpoint (Open Inference Protocol v2)
and prints the response as JSON on one line.

Usage: python predict.py URL MODEL_NAME
Inputs: two rows of the quickstart's two features, [0.9, 0.8] and [0.1, 0.2];
the quickstart model answers 1 when x0 + x1 > 1, so the expected data is [1, 0].
"""

import json
import sys
import urllib.request

url, model = sys.argv[1].rstrip("/"), sys.argv[2]
body = {
    "inputs": [
        {"name": "input-0", "shape": [2, 2], "datatype": "FP64", "data": [0.9, 0.8, 0.1, 0.2]}
    ]
}
req = urllib.request.Request(
    f"{url}/v2/models/{model}/infer",
    data=json.dumps(body).encode(),
    headers={"Content-Type": "application/json"},
)
with urllib.request.urlopen(req, timeout=60) as resp:
    print(json.dumps(json.load(resp)))
