"""vetiver peer for bench/serve.ts: VetiverModel + VetiverAPI over uvicorn.

Serves the joblib'd scikit-learn pipeline (train_sklearn.py) at POST /predict
the way vetiver's documentation deploys a model: a prototype from the training
data's first row, check_prototype=True (vetiver's default: requests are
validated against it), one uvicorn process on 127.0.0.1 (uvloop and httptools,
which uvicorn picks up when installed), access log off.
"""
import argparse

import joblib
import pandas as pd
import uvicorn
from vetiver import VetiverAPI, VetiverModel


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True, help="the training CSV (its first row is the prototype)")
    ap.add_argument("--target", required=True)
    ap.add_argument("--name", default="gbc")
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()

    pipeline = joblib.load(args.model)
    prototype = pd.read_csv(args.data, nrows=1, keep_default_na=False, na_values={}).drop(columns=[args.target])
    v = VetiverModel(pipeline, model_name=args.name, prototype_data=prototype)
    api = VetiverAPI(v, check_prototype=True)
    uvicorn.run(api.app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
