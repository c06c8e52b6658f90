"""scikit-learn's values for the metrics driftloop computes, on generated data (JSON on stdout).

Every fixture is generated here with a seeded numpy Generator; nothing is
hand-typed. Runs in the project venv (.venv: scikit-learn, numpy).

The expected calibration error has no scikit-learn implementation: `ece`
below is written from its definition (Guo et al. 2017, eq. 3; the binning is
stated in docs/monitoring.md), independently of driftloop's TypeScript.
"""
import json
import math
import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
)

rng = np.random.default_rng(11)
ECE_BINS = 10


def finite_or_none(value):
    value = float(value)
    return value if math.isfinite(value) else None


def ece(truth, proba, classes, bins=ECE_BINS):
    """Top-label ECE: Σ_m |B_m|/n · |acc(B_m) − conf(B_m)|, bins (m/M, (m+1)/M]."""
    confidence = proba.max(axis=1)
    top = proba.argmax(axis=1)
    correct = np.array([t == classes[j] for t, j in zip(truth, top)], dtype=float)
    inner_edges = np.arange(1, bins) / bins
    which = np.searchsorted(inner_edges, confidence, side="left")
    n = len(truth)
    total = 0.0
    for m in range(bins):
        members = which == m
        if members.any():
            total += members.sum() / n * abs(correct[members].mean() - confidence[members].mean())
    return total


def roc_auc(truth, proba, classes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        try:
            if len(classes) == 2:
                return finite_or_none(roc_auc_score(truth == classes[1], proba[:, 1]))
            return finite_or_none(roc_auc_score(truth, proba, multi_class="ovr", average="macro", labels=classes))
        except ValueError:
            return None


def classification_case(name, classes, truth, pred, proba):
    classes = list(classes)
    labels = np.array(classes)
    binary = len(classes) == 2
    known = all(t in classes for t in truth)
    expected = {"accuracy": accuracy_score(truth, pred)}
    for metric, fn in [("precision", precision_score), ("recall", recall_score), ("f1", f1_score)]:
        per_class = fn(truth, pred, labels=classes, average=None, zero_division=0)
        macro = fn(truth, pred, labels=classes, average="macro", zero_division=0)
        if binary and known:
            expected[metric] = fn(truth, pred, pos_label=classes[1], average="binary", zero_division=0)
            assert expected[metric] == per_class[1]
        else:
            expected[metric] = per_class[1] if binary else macro
        expected[metric + "Macro"] = macro
        expected[metric + "Weighted"] = fn(truth, pred, labels=classes, average="weighted", zero_division=0)
    if proba is None:
        expected.update(rocAuc=None, logLoss=None, ece=None)
    else:
        expected["rocAuc"] = roc_auc(truth, proba, labels)
        try:
            expected["logLoss"] = log_loss(truth, proba, labels=classes)
        except ValueError:
            expected["logLoss"] = None
        expected["ece"] = ece(truth, proba, classes)
    return {
        "kind": "classification",
        "name": name,
        "classes": classes,
        "truth": list(truth),
        "predicted": list(pred),
        "probabilities": None if proba is None else proba.tolist(),
        "expected": {k: (None if v is None else float(v)) for k, v in expected.items()},
    }


def softmax_probabilities(n, k, spread=1.5):
    z = rng.normal(0, spread, size=(n, k))
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sample_from(proba, classes):
    """One label per row, drawn from the row's class probabilities."""
    u = rng.random(len(proba))
    idx = (proba.cumsum(axis=1) < u[:, None]).sum(axis=1)
    return np.array(classes)[np.minimum(idx, len(classes) - 1)]


cases = []

# Binary: a probability per row, label drawn from a slightly miscalibrated version of it.
classes = ["0", "1"]
p1 = 1 / (1 + np.exp(-rng.normal(0, 2, size=500)))
proba = np.column_stack([1 - p1, p1])
truth = sample_from(np.column_stack([1 - p1**1.3, p1**1.3]), classes)
pred = np.array(classes)[proba.argmax(axis=1)]
cases.append(classification_case("binary", classes, truth, pred, proba))

# Binary with many tied scores (probabilities rounded to one decimal), and exact 0 and 1 (log-loss clipping).
p1 = np.round(rng.random(400), 1)
proba = np.column_stack([1 - p1, p1])
truth = sample_from(proba, ["no", "yes"])
pred = np.where(p1 >= 0.5, "yes", "no")
cases.append(classification_case("binary-ties-and-extremes", ["no", "yes"], truth, pred, proba))

# Binary where one class is absent from the truth: ROC AUC undefined, the rest defined.
p1 = rng.random(200)
proba = np.column_stack([1 - p1, p1])
cases.append(classification_case("binary-one-class", ["0", "1"], np.array(["1"] * 200), np.where(p1 > 0.3, "1", "0"), proba))

# Multiclass, labels drawn from the probabilities, predictions the argmax.
classes = ["a", "b", "c", "d"]
proba = softmax_probabilities(700, 4)
truth = sample_from(proba, classes)
pred = np.array(classes)[proba.argmax(axis=1)]
cases.append(classification_case("multiclass", classes, truth, pred, proba))

# Multiclass where one class is never predicted (precision's zero_division) and predictions are noisy.
classes = ["apple", "banana", "cherry"]
proba = softmax_probabilities(600, 3, spread=0.8)
truth = sample_from(proba, classes)
pred = np.where(rng.random(600) < 0.6, truth, rng.choice(classes[:2], size=600))
pred = np.where(pred == "cherry", "banana", pred)
cases.append(classification_case("multiclass-never-predicted", classes, truth, pred, proba))

# Multiclass where a class never occurs in the truth: OvR ROC AUC undefined.
classes = ["x", "y", "z"]
proba = softmax_probabilities(300, 3)
truth = rng.choice(["x", "y"], size=300)
pred = np.array(classes)[proba.argmax(axis=1)]
cases.append(classification_case("multiclass-absent-class", classes, truth, pred, proba))

# A true label the model does not know: counted as a miss; log loss and ROC AUC undefined.
classes = ["a", "b", "c"]
proba = softmax_probabilities(250, 3)
truth = sample_from(proba, classes)
truth[rng.choice(250, size=10, replace=False)] = "new"
pred = np.array(classes)[proba.argmax(axis=1)]
cases.append(classification_case("unknown-label", classes, truth, pred, proba))

# No probabilities at all.
classes = ["0", "1"]
truth = rng.choice(classes, size=300)
pred = np.where(rng.random(300) < 0.7, truth, rng.choice(classes, size=300))
cases.append(classification_case("labels-only", classes, truth, pred, None))


def regression_case(name, y, yhat):
    return {
        "kind": "regression",
        "name": name,
        "truth": y.tolist(),
        "predicted": yhat.tolist(),
        "expected": {
            "rmse": float(np.sqrt(mean_squared_error(y, yhat))),
            "mae": float(mean_absolute_error(y, yhat)),
            "mape": float(mean_absolute_percentage_error(y, yhat)),
            "r2": finite_or_none(r2_score(y, yhat)),
        },
    }


y = rng.normal(50, 10, size=400)
cases.append(regression_case("regression", y, y + rng.normal(0, 3, size=400)))
# Zero targets: MAPE's epsilon floor decides the value.
y = np.where(rng.random(300) < 0.1, 0.0, rng.gamma(2.0, 5.0, size=300))
cases.append(regression_case("regression-zero-targets", y, y + rng.normal(0, 1, size=300)))
# A constant target: R²'s force_finite convention (0 unless the fit is perfect).
y = np.full(50, 3.0)
cases.append(regression_case("regression-constant-target", y, y + rng.normal(0, 1, size=50)))

print(json.dumps(cases))
