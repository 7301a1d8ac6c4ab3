"""Sends a real prediction request to an endpoint (Open Inference Protocol v2)
and prints the response as JSON on one line.

Usage: python predict.py URL MODEL_NAME [GATEWAY]

URL is the endpoint's URL (KServe's status.url). With GATEWAY (host:port),
the request goes to that address with URL's host in the Host header, as it
would through an ingress gateway: locally, the development gateway of
scripts/dev-serving.sh.

Inputs: two rows of the quickstart's two features, [0.9, 0.8] and [0.1, 0.2];
the quickstart model answers 1 when x0 + x1 > 1, so the expected data is [1, 0].
"""

import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

url, model = sys.argv[1].rstrip("/"), sys.argv[2]
headers = {"Content-Type": "application/json"}
if len(sys.argv) > 3 and sys.argv[3]:
    headers["Host"] = urllib.parse.urlsplit(url).netloc
    url = "http://" + sys.argv[3]
body = {
    "inputs": [
        {"name": "input-0", "shape": [2, 2], "datatype": "FP64", "data": [0.9, 0.8, 0.1, 0.2]}
    ]
}
req = urllib.request.Request(f"{url}/v2/models/{model}/infer", data=json.dumps(body).encode(), headers=headers)
# A model server that is still starting answers 503 (as KServe's would
# behind a gateway while its pods start): retry for a while.
deadline = time.time() + 180
while True:
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            print(json.dumps(json.load(resp)))
        break
    except urllib.error.HTTPError as e:
        if e.code != 503 or time.time() > deadline:
            raise SystemExit(f"{req.full_url}: {e.code} {e.read().decode(errors='replace')}")
    time.sleep(1)
