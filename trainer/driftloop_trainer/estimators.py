"""The estimator a request asks for: a built-in name or user code.

``Estimators(request)`` checks everything about the estimator that needs no
data, before the data file is read: unknown or invalid hyperparameters (for a
built-in, against scikit-learn's own constraints), searched parameter names
and values, and, for user code, that the function can be imported from the
user-code directory and returns an estimator of the right kind.
``Estimators.build(extra)`` then makes a fresh unfitted estimator, with the
searched parameters in ``extra``.
"""

from __future__ import annotations

import importlib
import re
from typing import Any, Callable

from .errors import InvalidRequest
from .request import Distribution, TrainingRequest

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

_PARAM_NAME = re.compile(r"The '([^']+)' parameter")


def estimator_class(request: TrainingRequest) -> type:
    module, _, name = _CLASSES[(request.estimator_name, request.family)].rpartition(".")
    return getattr(importlib.import_module(module), name)


def final_estimator(estimator: Any) -> Any:
    """The last step of a (nested) Pipeline, or the estimator itself."""
    from sklearn.pipeline import Pipeline

    while isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    return estimator


def is_tree_model(estimator: Any) -> bool:
    module = type(final_estimator(estimator)).__module__
    return module.startswith(("sklearn.ensemble", "sklearn.tree"))


def needs_dense(estimator: Any) -> bool:
    """HistGradientBoosting* reject sparse input."""
    return type(final_estimator(estimator)).__name__.startswith("HistGradientBoosting")


def seed_random_states(estimator: Any, seed: int) -> Any:
    """Set every unset ``random_state`` (also in pipeline steps) from the seed."""
    unset = {k: seed for k, v in estimator.get_params(deep=True).items() if k.split("__")[-1] == "random_state" and v is None}
    if unset:
        estimator.set_params(**unset)
    return estimator


def representative(dimension: list[Any] | Distribution) -> list[Any]:
    """The values of a searched dimension worth checking before the search:
    every candidate of a list, both ends of a distribution."""
    if isinstance(dimension, list):
        return list(dimension)
    if dimension.distribution == "randint":
        return [int(dimension.low), int(dimension.high) - 1]  # scipy's randint excludes high
    return [float(dimension.low), float(dimension.high)]


class Estimators:
    def __init__(self, request: TrainingRequest) -> None:
        self.request = request
        self._function: Callable[..., Any] | None = None
        self._class: type | None = None
        if request.estimator_code is not None:
            self._check_user_code()
        else:
            self._check_builtin()

    @property
    def is_user_code(self) -> bool:
        return self.request.estimator_code is not None

    def build(self, extra: dict[str, Any] | None = None) -> Any:
        """A fresh unfitted estimator with the request's params plus ``extra``."""
        params = {**self.request.params, **(extra or {})}
        if self._function is not None:
            return self._call_user_code(params)
        assert self._class is not None
        accepted = self._class().get_params(deep=False)
        if "random_state" in accepted:
            params["random_state"] = self.request.seed
        return self._class(**params)

    def describe(self, estimator: Any, params: dict[str, Any]) -> dict[str, Any]:
        """metadata.estimator."""
        key = {"code": self.request.estimator_code} if self.is_user_code else {"name": self.request.estimator_name}
        return {**key, "class": type(estimator).__name__, "params": params}

    # --- built-in ---------------------------------------------------------------------

    def _check_builtin(self) -> None:
        request = self.request
        cls = self._class = estimator_class(request)
        accepted = cls().get_params(deep=False)
        for name in request.params:
            if name not in accepted:
                raise InvalidRequest(
                    "unknown_param",
                    f'estimator "{request.estimator_name}" ({cls.__name__}) has no parameter "{name}"; '
                    f"valid parameters: {', '.join(sorted(accepted))}",
                    field=f"estimator.params.{name}",
                )
        self._validate(self.build(), "estimator.params")
        if request.search is None:
            return
        for name, dimension in request.search.space.items():
            if name not in accepted:
                raise InvalidRequest(
                    "unknown_param",
                    f'searched parameter "{name}" does not exist on estimator "{request.estimator_name}" '
                    f"({cls.__name__}); valid parameters: {', '.join(sorted(accepted))}",
                    field=f"search.space.{name}",
                )
            for value in representative(dimension):
                self._validate(self.build({name: value}), f"search.space.{name}")

    def _validate(self, estimator: Any, where: str) -> None:
        validate = getattr(estimator, "_validate_params", None)
        if validate is None:
            return
        try:
            validate()
        except (ValueError, TypeError) as exc:
            match = _PARAM_NAME.search(str(exc))
            name = match.group(1) if match else None
            field = where if where.startswith("search.") else (f"{where}.{name}" if name else where)
            raise InvalidRequest(
                "invalid_param",
                f'estimator "{self.request.estimator_name}" ({type(estimator).__name__}): {exc}',
                field=field,
            ) from exc

    # --- user code ---------------------------------------------------------------------

    def _check_user_code(self) -> None:
        from . import usercode

        request = self.request
        reference = request.estimator_code
        assert reference is not None
        self._function = usercode.load_function(reference)
        accepted = usercode.accepted_arguments(self._function)
        searched = dict(request.search.space) if request.search else {}
        if accepted is not None:
            for name, where in [(n, "estimator.params") for n in request.params] + [(n, "search.space") for n in searched]:
                if name not in accepted:
                    raise InvalidRequest(
                        "unknown_param",
                        f'user code "{reference}" takes no argument "{name}" ({where}); its arguments: '
                        f"{', '.join(sorted(accepted)) or '(none)'}",
                        field=f"{where}.{name}",
                    )
        # One call up front, so that a function that fails or returns the
        # wrong kind of object is reported before any data is read.
        self.build({name: representative(dimension)[0] for name, dimension in searched.items()})

    def _call_user_code(self, params: dict[str, Any]) -> Any:
        from sklearn.base import clone, is_classifier, is_regressor

        from . import usercode

        request = self.request
        reference = request.estimator_code
        assert reference is not None and self._function is not None
        returned = usercode.call(reference, self._function, params)
        wanted, check = ("classifier", is_classifier) if request.is_classification else ("regressor", is_regressor)
        try:
            right_kind = check(returned)
        except Exception:  # sklearn's tag lookup raises on non-estimators
            right_kind = False
        if not right_kind:
            what = f"{type(returned).__module__}.{type(returned).__qualname__}"
            raise InvalidRequest(
                "user_code_wrong_estimator",
                f'user code "{reference}" returned a {what} ({_short_repr(returned)}); a {request.task} task needs an '
                f"unfitted scikit-learn {wanted} (or a Pipeline ending in one)",
                field="estimator.code",
            )
        try:
            estimator = clone(returned)  # unfitted, and independent of anything the function keeps
        except Exception as exc:
            raise InvalidRequest(
                "user_code_wrong_estimator",
                f'user code "{reference}" returned a {type(returned).__name__} that scikit-learn cannot clone: {exc}',
                field="estimator.code",
            ) from exc
        return seed_random_states(estimator, request.seed)


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def build_estimator(request: TrainingRequest) -> Any:
    """The unfitted estimator with the request's params and the seed."""
    return Estimators(request).build()
