"""The parity gate: the ONNX model must reproduce the sklearn pipeline.

Run on the validation rows, fed exactly as the TypeScript side will feed them
(float32 numbers, "" for a missing category).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .data import to_json_value
from .errors import ParityError
from .request import TrainingRequest

ATOL = 1e-4  # probabilities
RTOL = 1e-4  # regression, relative to the target's scale
TIE_MARGIN = 1e-5  # a label may differ only when sklearn's top-2 are this close
WORST_ROWS = 5


@dataclass
class ParityReport:
    rows: int
    max_abs_diff: float
    label_mismatches: int
    tolerance: float
    sklearn_proba: np.ndarray | None  # reused for metrics
    sklearn_pred: np.ndarray

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "maxAbsDiff": self.max_abs_diff,
            "labelMismatches": self.label_mismatches,
            "tolerance": self.tolerance,
        }


def onnx_feeds(request: TrainingRequest, X: pd.DataFrame) -> dict[str, np.ndarray]:
    feeds = {}
    for f in request.features:
        column = X[f.name].to_numpy()
        if f.kind == "numeric":
            feeds[f.name] = column.astype(np.float32).reshape(-1, 1)
        else:
            feeds[f.name] = column.astype(object).reshape(-1, 1)
    return feeds


def check(
    request: TrainingRequest,
    pipeline: Any,
    session: Any,
    X: pd.DataFrame,
    row_numbers: np.ndarray,
    target_scale: float,
) -> ParityReport:
    outputs = dict(zip([o.name for o in session.get_outputs()], session.run(None, onnx_feeds(request, X))))
    if request.is_classification:
        return _check_classifier(pipeline, outputs, X, row_numbers)
    return _check_regressor(pipeline, outputs, X, row_numbers, target_scale)


def _check_classifier(pipeline: Any, outputs: dict, X: pd.DataFrame, row_numbers: np.ndarray) -> ParityReport:
    proba = pipeline.predict_proba(X)
    labels = pipeline.predict(X)
    onnx_proba = np.asarray(outputs["probabilities"], dtype=np.float64)
    onnx_labels = np.asarray(outputs["label"]).ravel()
    if onnx_proba.shape != proba.shape:
        raise ParityError(
            "shape_mismatch",
            f"ONNX probabilities have shape {list(onnx_proba.shape)}; sklearn's have {list(proba.shape)}",
        )
    diff = np.abs(onnx_proba - proba).max(axis=1)
    diff = np.where(np.isnan(diff), np.inf, diff)
    top2 = np.sort(proba, axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    mismatched = onnx_labels != labels
    excused = mismatched & (margin < TIE_MARGIN)
    bad = (mismatched & ~excused) | (diff > ATOL)
    if bad.any():
        order = np.argsort(-(diff + np.where(mismatched & ~excused, 1e9, 0.0)), kind="stable")
        worst = [i for i in order if bad[i]][:WORST_ROWS]
        rows = [
            {
                "row": int(row_numbers[i]),
                "sklearnLabel": to_json_value(labels[i]),
                "onnxLabel": to_json_value(onnx_labels[i]),
                "sklearnProbabilities": [float(p) for p in proba[i]],
                "onnxProbabilities": [float(p) for p in onnx_proba[i]],
                "maxAbsDiff": _finite(diff[i]),
            }
            for i in worst
        ]
        n_labels = int((mismatched & ~excused).sum())
        n_proba = int((diff > ATOL).sum())
        shown = "; ".join(
            f"row {r['row']}: label {r['sklearnLabel']!r} vs {r['onnxLabel']!r}, max |diff| {_fmt(r['maxAbsDiff'])}"
            for r in rows
        )
        raise ParityError(
            "parity_mismatch",
            f"ONNX model disagrees with the sklearn pipeline on {int(bad.sum())} of {len(bad)} validation rows "
            f"({n_labels} labels differ, {n_proba} rows with probabilities off by more than {ATOL}); worst: {shown}",
            rows=rows,
        )
    return ParityReport(
        rows=len(labels),
        max_abs_diff=float(diff.max()),
        label_mismatches=int(excused.sum()),
        tolerance=ATOL,
        sklearn_proba=proba,
        sklearn_pred=labels,
    )


def _check_regressor(
    pipeline: Any, outputs: dict, X: pd.DataFrame, row_numbers: np.ndarray, target_scale: float
) -> ParityReport:
    pred = np.asarray(pipeline.predict(X), dtype=np.float64).ravel()
    onnx_pred = np.asarray(outputs["variable"], dtype=np.float64).ravel()
    if onnx_pred.shape != pred.shape:
        raise ParityError("shape_mismatch", f"ONNX output has {onnx_pred.size} values for {pred.size} rows")
    tolerance = RTOL * target_scale
    diff = np.abs(onnx_pred - pred)
    diff = np.where(np.isnan(diff), np.inf, diff)
    bad = diff > tolerance
    if bad.any():
        order = np.argsort(-diff, kind="stable")
        rows = [
            {"row": int(row_numbers[i]), "sklearn": float(pred[i]), "onnx": _finite(onnx_pred[i]), "absDiff": _finite(diff[i])}
            for i in order[:WORST_ROWS]
            if bad[i]
        ]
        shown = "; ".join(f"row {r['row']}: {r['sklearn']:.6g} vs {_fmt(r['onnx'])}" for r in rows)
        raise ParityError(
            "parity_mismatch",
            f"ONNX predictions differ from the sklearn pipeline's by more than {tolerance:.3g} "
            f"({RTOL} x target scale {target_scale:.6g}) on {int(bad.sum())} of {len(bad)} validation rows; worst: {shown}",
            rows=rows,
        )
    return ParityReport(
        rows=len(pred),
        max_abs_diff=float(diff.max()),
        label_mismatches=0,
        tolerance=tolerance,
        sklearn_proba=None,
        sklearn_pred=pred,
    )


def target_scale(y: np.ndarray) -> float:
    # The largest magnitude, not the spread: float32 rounding error grows with
    # the size of the numbers involved, whatever their variance.
    scale = float(np.max(np.abs(y))) if len(y) else 0.0
    return scale if scale > 0 else 1.0


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _fmt(value: float | None) -> str:
    return "non-finite" if value is None else f"{value:.3g}"
