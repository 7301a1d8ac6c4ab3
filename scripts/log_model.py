"""Trains a tiny scikit-learn model and logs it to an MLflow tracking server.

Used by the acceptance tests (so that model version sources point at real
logged artifacts) and by the quickstart. Prints one JSON object on stdout:
{"experiment_id", "runs": [{"run_id", "artifact_uri", "model_uri", "model_id"}]}
(to FILE with --out, since MLflow itself prints to stdout).

Usage: python log_model.py [--runs N] [--experiment NAME] [--out FILE]
The tracking URI comes from MLFLOW_TRACKING_URI.
"""

import argparse
import json
import os
import sys
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")

import mlflow  # noqa: E402
import mlflow.sklearn  # noqa: E402
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from mlflow.models import infer_signature  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402


def train(seed):
    # A two-feature problem with a known answer: class 1 when x0 + x1 > 1.
    xs = np.array([[a / 10.0, b / 10.0] for a in range(11) for b in range(11)])
    ys = (xs[:, 0] + xs[:, 1] > 1.0).astype(int)
    model = LogisticRegression(C=100.0, random_state=seed, max_iter=1000)
    model.fit(xs, ys)
    return model, xs, ys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--experiment", default="terraform-provider-mlops")
    parser.add_argument("--out", default="-")
    args = parser.parse_args()

    if not os.environ.get("MLFLOW_TRACKING_URI"):
        sys.exit("MLFLOW_TRACKING_URI is not set")
    exp = mlflow.set_experiment(args.experiment)
    runs = []
    for i in range(args.runs):
        model, xs, ys = train(seed=i)
        with mlflow.start_run() as run:
            mlflow.log_param("seed", i)
            mlflow.log_metric("train_accuracy", float(model.score(xs, ys)))
            # Explicit requirements and signature: MLflow would otherwise
            # spend many seconds inferring them.
            info = mlflow.sklearn.log_model(
                model,
                name="model",
                signature=infer_signature(xs, model.predict(xs)),
                pip_requirements=[f"scikit-learn=={sklearn.__version__}", f"mlflow=={mlflow.__version__}"],
            )
            runs.append({
                "run_id": run.info.run_id,
                "artifact_uri": run.info.artifact_uri,
                "model_uri": f"runs:/{run.info.run_id}/model",
                "model_id": getattr(info, "model_id", "") or "",
                "logged_model_uri": info.model_uri,
            })
    result = json.dumps({"experiment_id": exp.experiment_id, "runs": runs})
    if args.out == "-":
        print(result)
    else:
        with open(args.out, "w") as f:
            f.write(result + "\n")


if __name__ == "__main__":
    main()
