"""The scikit-learn pipeline: per-kind preprocessing, then the estimator.

Every step is one skl2onnx converts exactly; in particular the categorical
imputer treats "" as missing because ONNX string tensors have no null.

Float32 alignment. The ONNX model takes float32 inputs and its tree ensembles
compare float32 features with float32 thresholds, while sklearn works in
float64. Features on a decimal grid (ages, prices) put validation values
exactly on split thresholds (a midpoint of 30 and 32 is 31), so rounding
differences flip splits unless both sides compute bit-identical values. Hence:
numeric inputs are rounded to float32 before fitting (they are what the model
will be served), the scaler runs in float64 in ONNX too (``convert``), tree
estimators get an explicit float32 cast, and after fitting the imputer's fill
values and the tree thresholds are moved to float32 values that make exactly
the same decisions on float32 inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from skl2onnx.sklapi import CastTransformer

from .estimators import final_estimator, is_tree_model, needs_dense
from .request import TrainingRequest

MISSING_CATEGORY = "__missing__"


def build_pipeline(request: TrainingRequest, estimator: Any) -> Pipeline:
    numeric = [f.name for f in request.features if f.kind == "numeric"]
    categorical = [f.name for f in request.features if f.kind == "categorical"]
    transformers = []
    if numeric:
        transformers.append(
            ("numeric", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric)
        )
    if categorical:
        transformers.append(
            (
                "categorical",
                Pipeline(
                    [
                        ("impute", SimpleImputer(missing_values="", strategy="constant", fill_value=MISSING_CATEGORY)),
                        ("onehot", OneHotEncoder(handle_unknown="ignore")),
                    ]
                ),
                categorical,
            )
        )
    # User code gets a dense matrix: it may start with steps (PCA, ...) that
    # take no sparse input. 0 forces dense output; otherwise keep sklearn's
    # default so wide one-hot blocks stay sparse.
    dense = request.estimator_code is not None or needs_dense(estimator)
    preprocess = ColumnTransformer(transformers, sparse_threshold=0.0 if dense else 0.3)
    steps: list[tuple[str, Any]] = [("preprocess", preprocess)]
    if is_tree_model(estimator):
        if isinstance(estimator, Pipeline):
            # A user pipeline ending in a tree model: the cast goes right
            # before the tree, after the user's own steps.
            estimator.steps.insert(len(estimator.steps) - 1, ("float32", CastTransformer(dtype=np.float32)))
        else:
            steps.append(("float32", CastTransformer(dtype=np.float32)))
    steps.append(("estimator", estimator))
    return Pipeline(steps)


def float32_inputs(request: TrainingRequest, X: pd.DataFrame) -> pd.DataFrame:
    """X with numeric features rounded to the float32 values ONNX will receive."""
    out = X.copy()
    for f in request.features:
        if f.kind == "numeric":
            out[f.name] = X[f.name].to_numpy().astype(np.float32).astype(np.float64)
    return out


def align_to_float32(pipeline: Pipeline) -> None:
    """Adjust a fitted pipeline so float32 ONNX arithmetic reproduces it exactly."""
    numeric = pipeline.named_steps["preprocess"].named_transformers_.get("numeric")
    if numeric is not None:
        imputer = numeric.named_steps["impute"]
        # ONNX's Imputer stores fill values as float32; an even-sized median
        # is a float64 midpoint that float32 cannot hold.
        imputer.statistics_ = imputer.statistics_.astype(np.float32).astype(np.float64)
    estimator = final_estimator(pipeline.named_steps["estimator"])
    for tree in _trees(estimator):
        tree.tree_.threshold[:] = _floor_float32(tree.tree_.threshold)
    for stage in getattr(estimator, "_predictors", ()):  # HistGradientBoosting*
        for predictor in stage:
            predictor.nodes["num_threshold"] = _floor_float32(predictor.nodes["num_threshold"])


def _trees(estimator: Any) -> list[Any]:
    trees = getattr(estimator, "estimators_", None)
    if trees is None:
        return []
    return [t for t in np.asarray(trees, dtype=object).ravel() if hasattr(t, "tree_")]


def _floor_float32(threshold: np.ndarray) -> np.ndarray:
    # For a float32 x, x <= t  <=>  x <= (largest float32 <= t); rounding to
    # nearest instead could move t above a value that sits right on it.
    rounded = threshold.astype(np.float32)
    above = rounded.astype(np.float64) > threshold
    rounded[above] = np.nextafter(rounded[above], np.float32(-np.inf))
    return rounded.astype(np.float64)
