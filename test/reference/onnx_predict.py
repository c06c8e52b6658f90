"""Python onnxruntime's outputs for a driftloop model on a CSV (JSON on stdout), to compare with onnxruntime-node."""
import json
import sys

import numpy as np
import onnxruntime as ort
import pandas as pd

model, meta_path, csv = sys.argv[1:4]
meta = json.load(open(meta_path))
frame = pd.read_csv(csv, keep_default_na=False, dtype=str)
feeds = {}
for f in meta["features"]:
    col = frame[f["name"]]
    if f["kind"] == "numeric":
        values = pd.to_numeric(col.where(col.str.strip() != "", None), errors="coerce").to_numpy(dtype=np.float32)
    else:
        values = col.to_numpy(dtype=object)
    feeds[f["name"]] = values.reshape(-1, 1)
session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
outputs = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))
result = {}
if "label" in outputs:
    result["labels"] = [str(v) for v in outputs["label"].tolist()]
    result["probabilities"] = outputs["probabilities"].astype(float).tolist()
else:
    result["values"] = outputs["variable"].astype(float).reshape(-1).tolist()
print(json.dumps(result))
