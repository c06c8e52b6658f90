"""Estimator names → scikit-learn classes, and hyperparameter validation.

Parameters are checked before any data is read: an unknown name or a value
scikit-learn's own constraints reject is an invalid request, not a failed fit.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from .errors import InvalidRequest
from .request import TrainingRequest

_CLASSES = {
    ("logistic_regression", "classification"): "sklearn.linear_model.LogisticRegression",
    ("random_forest", "classification"): "sklearn.ensemble.RandomForestClassifier",
    ("random_forest", "regression"): "sklearn.ensemble.RandomForestRegressor",
    ("gradient_boosting", "classification"): "sklearn.ensemble.GradientBoostingClassifier",
    ("gradient_boosting", "regression"): "sklearn.ensemble.GradientBoostingRegressor",
    ("hist_gradient_boosting", "classification"): "sklearn.ensemble.HistGradientBoostingClassifier",
    ("hist_gradient_boosting", "regression"): "sklearn.ensemble.HistGradientBoostingRegressor",
    ("linear_regression", "regression"): "sklearn.linear_model.LinearRegression",
    ("ridge", "regression"): "sklearn.linear_model.Ridge",
}

# Estimators that reject sparse input; the preprocessor must hand them dense arrays.
NEEDS_DENSE = {"hist_gradient_boosting"}

_PARAM_NAME = re.compile(r"The '([^']+)' parameter")


def estimator_class(request: TrainingRequest) -> type:
    module, _, name = _CLASSES[(request.estimator_name, request.family)].rpartition(".")
    return getattr(importlib.import_module(module), name)


def build_estimator(request: TrainingRequest) -> Any:
    """The unfitted estimator with the request's params and the seed."""
    cls = estimator_class(request)
    accepted = cls().get_params(deep=False)
    for name in request.params:
        if name not in accepted:
            raise InvalidRequest(
                "unknown_param",
                f'estimator "{request.estimator_name}" ({cls.__name__}) has no parameter "{name}"; '
                f"valid parameters: {', '.join(sorted(accepted))}",
                field=f"estimator.params.{name}",
            )
    if "random_state" in request.params:
        # The seed is the one source of randomness, so that a request hash
        # identifies the model; a second knob would break that.
        raise InvalidRequest(
            "reserved_param",
            'parameter "random_state" is set from the request\'s "seed"; remove it from estimator.params',
            field="estimator.params.random_state",
        )
    params = dict(request.params)
    if "random_state" in accepted:
        params["random_state"] = request.seed
    estimator = cls(**params)
    validate = getattr(estimator, "_validate_params", None)
    if validate is not None:
        try:
            validate()
        except (ValueError, TypeError) as exc:
            match = _PARAM_NAME.search(str(exc))
            name = match.group(1) if match else None
            raise InvalidRequest(
                "invalid_param",
                f'estimator "{request.estimator_name}" ({cls.__name__}): {exc}',
                field=f"estimator.params.{name}" if name else "estimator.params",
            ) from exc
    return estimator
