"""Validation metrics, computed on the sklearn pipeline's outputs (which the
parity gate has shown the ONNX model reproduces)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn import metrics as skm


def classification(y: np.ndarray, pred: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> dict[str, Any]:
    binary = len(classes) == 2
    if binary:
        f1 = skm.f1_score(y, pred, pos_label=classes[1], average="binary", zero_division=0)
    else:
        f1 = skm.f1_score(y, pred, labels=classes, average="macro", zero_division=0)
    return {
        "accuracy": _num(skm.accuracy_score(y, pred)),
        "f1": _num(f1),
        "rocAuc": _roc_auc(y, proba, classes),
        "logLoss": _num(skm.log_loss(y, proba, labels=classes)),
    }


def _roc_auc(y: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> float | None:
    # Undefined when the validation rows lack a class; null says so honestly.
    try:
        if len(classes) == 2:
            return _num(skm.roc_auc_score(y == classes[1], proba[:, 1]))
        return _num(skm.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes))
    except ValueError:
        return None


def regression(y: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    return {
        "rmse": _num(math.sqrt(skm.mean_squared_error(y, pred))),
        "mae": _num(skm.mean_absolute_error(y, pred)),
        "r2": _num(skm.r2_score(y, pred)),
    }


def _num(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None
