"""scikit-learn's values for the metrics driftloop computes, on generated data (JSON on stdout)."""
import json

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, mean_squared_error, r2_score

rng = np.random.default_rng(11)
cases = []
for name, classes, n in [("binary", ["0", "1"], 500), ("multiclass", ["a", "b", "c", "d"], 700)]:
    truth = rng.choice(classes, size=n)
    pred = np.where(rng.random(n) < 0.7, truth, rng.choice(classes, size=n))
    average = "binary" if len(classes) == 2 else "macro"
    kwargs = {"pos_label": classes[1]} if average == "binary" else {}
    cases.append({
        "kind": "classification", "name": name, "classes": classes,
        "truth": truth.tolist(), "predicted": pred.tolist(),
        "accuracy": accuracy_score(truth, pred),
        "f1": f1_score(truth, pred, average=average, zero_division=0, **kwargs),
    })
y = rng.normal(50, 10, size=400)
yhat = y + rng.normal(0, 3, size=400)
cases.append({
    "kind": "regression", "name": "regression",
    "truth": y.tolist(), "predicted": yhat.tolist(),
    "rmse": float(np.sqrt(mean_squared_error(y, yhat))),
    "mae": mean_absolute_error(y, yhat),
    "r2": r2_score(y, yhat),
})
print(json.dumps(cases))
