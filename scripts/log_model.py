"""Trains a tiny scikit-learn model and logs it to an MLflow tracking server.

Used by the acceptance tests (so that model version sources point at real
logged artifacts, and lineage is compared with what was logged) and by the
quickstart. Each run logs the parameter seed and the metric train_accuracy;
its logged model gets the model's parameters (log_model(params=...)) and a
held-out accuracy logged with its model_id. Prints one JSON object on stdout:
{"experiment_id", "runs": [{"run_id", "artifact_uri", "model_uri", "model_id",
"logged_model_uri", "run_params", "params", "train_accuracy", "accuracy"}]}
(to FILE with --out, since MLflow itself prints to stdout). params are the
model's parameters as MLflow stores them (strings), run_params the run's.

Usage: python log_model.py [--runs N] [--experiment NAME] [--name MODEL] [--c C] [--out FILE]
The tracking URI comes from MLFLOW_TRACKING_URI (and credentials, when the
server wants them, from MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD).
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


def label(xs):
    # A two-feature problem with a known answer: class 1 when x0 + x1 > 1.
    return (xs[:, 0] + xs[:, 1] > 1.0).astype(int)


def train(seed, c):
    xs = np.array([[a / 10.0, b / 10.0] for a in range(11) for b in range(11)])
    ys = label(xs)
    model = LogisticRegression(C=c, random_state=seed, max_iter=1000)
    model.fit(xs, ys)
    return model, xs, ys


def held_out_accuracy(model, seed):
    # Points off the training grid, drawn per seed.
    xs = np.random.default_rng(1000 + seed).uniform(0.0, 1.0, size=(200, 2))
    return float(model.score(xs, label(xs)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--experiment", default="terraform-provider-mlops")
    parser.add_argument("--name", default="model", help="name of the logged models")
    parser.add_argument("--out", default="-")
    parser.add_argument("--c", type=float, default=100.0,
                        help="inverse regularisation strength; a tiny value (such as 0.0001) trains a weak model, for a gate to refuse")
    args = parser.parse_args()

    if not os.environ.get("MLFLOW_TRACKING_URI"):
        sys.exit("MLFLOW_TRACKING_URI is not set")
    exp = mlflow.set_experiment(args.experiment)
    runs = []
    for i in range(args.runs):
        model, xs, ys = train(seed=i, c=args.c)
        train_accuracy = float(model.score(xs, ys))
        params = {"C": str(model.C), "max_iter": str(model.max_iter), "solver": model.solver}
        with mlflow.start_run() as run:
            mlflow.log_param("seed", i)
            mlflow.log_metric("train_accuracy", train_accuracy)
            # Explicit requirements and signature: MLflow would otherwise
            # spend many seconds inferring them.
            info = mlflow.sklearn.log_model(
                model,
                name=args.name,
                params=params,
                signature=infer_signature(xs, model.predict(xs)),
                pip_requirements=[f"scikit-learn=={sklearn.__version__}", f"mlflow=={mlflow.__version__}"],
            )
            accuracy = held_out_accuracy(model, i)
            mlflow.log_metric("accuracy", accuracy, model_id=info.model_id)
            runs.append({
                "run_id": run.info.run_id,
                "artifact_uri": run.info.artifact_uri,
                "model_uri": f"runs:/{run.info.run_id}/{args.name}",
                "model_id": getattr(info, "model_id", "") or "",
                "logged_model_uri": info.model_uri,
                "run_params": {"seed": str(i)},
                "params": params,
                "train_accuracy": train_accuracy,
                "accuracy": accuracy,
            })
    result = json.dumps({"experiment_id": exp.experiment_id, "runs": runs})
    if args.out == "-":
        print(result)
    else:
        with open(args.out, "w") as f:
            f.write(result + "\n")


if __name__ == "__main__":
    main()
