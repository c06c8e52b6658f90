"""Peer model for bench/serve.ts: the scikit-learn pipeline vetiver and MLServer serve.

Fitted in the peers' own venv (.venv-bench), so the pickle is loaded by the
scikit-learn that wrote it. Same CSV, same estimator and hyperparameters as the
ONNX model driftloop serves (trainFile, estimator gradient_boosting), and the
same preprocessing as trainer/driftloop_trainer/pipeline.py: numeric median
imputation + standard scaling, categorical "" → constant + one-hot (unknown
categories ignored), fitted on a random 80 % of the rows like the trainer's
default validation split. Prints one JSON line: fit seconds, validation accuracy.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import joblib
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--out", required=True, help="directory; model.joblib is written into it")
    ap.add_argument("--n-estimators", type=int, default=200)
    ap.add_argument("--max-depth", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    df = pd.read_csv(args.data, keep_default_na=False, na_values={})
    y = df.pop(args.target)
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
    categorical = [c for c in df.columns if c not in numeric]
    for c in categorical:
        df[c] = df[c].astype(object)

    pipeline = Pipeline(
        [
            (
                "preprocess",
                ColumnTransformer(
                    [
                        ("numeric", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric),
                        (
                            "categorical",
                            Pipeline(
                                [
                                    ("impute", SimpleImputer(missing_values="", strategy="constant", fill_value="__missing__")),
                                    ("onehot", OneHotEncoder(handle_unknown="ignore")),
                                ]
                            ),
                            categorical,
                        ),
                    ]
                ),
            ),
            (
                "estimator",
                GradientBoostingClassifier(n_estimators=args.n_estimators, max_depth=args.max_depth, random_state=args.seed),
            ),
        ]
    )
    X_train, X_val, y_train, y_val = train_test_split(df, y, test_size=0.2, random_state=args.seed)
    t0 = time.perf_counter()
    pipeline.fit(X_train, y_train)
    seconds = time.perf_counter() - t0
    accuracy = float((pipeline.predict(X_val) == y_val.to_numpy()).mean())

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, out / "model.joblib")
    json.dump(
        {"seconds": seconds, "accuracy": accuracy, "sklearn": sklearn.__version__, "numeric": numeric, "categorical": categorical},
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
