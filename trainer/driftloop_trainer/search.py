"""Randomized hyperparameter search with k-fold cross-validation.

Candidates come from sklearn's ParameterSampler seeded with the request's
seed (a list is a uniform choice, a distribution is scipy's ``uniform(low,
high - low)``, ``loguniform(low, high)`` or ``randint(low, high)``, whose
``high`` is exclusive). Each candidate is scored by k-fold cross-validation on
the training split only (StratifiedKFold for classification, KFold otherwise,
both shuffled with the seed): accuracy for classification,
neg_root_mean_squared_error for regression; higher is better, the first of
equal scores wins. The time budget is checked before each candidate: the
first one always runs, and none starts once the budget is spent, so a budget
makes the number of evaluated candidates (and so possibly the chosen
parameters) depend on the machine's speed. With a budget that is not reached,
the same data, request and seed always choose the same parameters.
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .data import to_json_value
from .errors import DataError, InvalidRequest
from .events import Progress
from .request import Distribution, TrainingRequest

SCORING = {"classification": "accuracy", "regression": "neg_root_mean_squared_error"}
FRACTION_START, FRACTION_END = 0.2, 0.65


@dataclass
class SearchResult:
    best_params: dict[str, Any]
    best_score: float
    evaluated: int
    planned: int
    scoring: str
    seconds: float

    @property
    def budget_exhausted(self) -> bool:
        return self.evaluated < self.planned

    def to_json(self) -> dict[str, Any]:
        return {
            "evaluated": self.evaluated,
            "planned": self.planned,
            "budgetExhausted": self.budget_exhausted,
            "bestParams": self.best_params,
            "bestScore": self.best_score,
            "scoring": self.scoring,
            "seconds": round(self.seconds, 3),
        }


def _distributions(space: dict[str, list[Any] | Distribution]) -> dict[str, Any]:
    from scipy import stats

    out: dict[str, Any] = {}
    for name, dimension in space.items():
        if isinstance(dimension, list):
            out[name] = dimension
        elif dimension.distribution == "uniform":
            out[name] = stats.uniform(dimension.low, dimension.high - dimension.low)
        elif dimension.distribution == "loguniform":
            out[name] = stats.loguniform(dimension.low, dimension.high)
        else:
            out[name] = stats.randint(int(dimension.low), int(dimension.high))
    return out


def candidates(request: TrainingRequest) -> list[dict[str, Any]]:
    """The planned candidates, in evaluation order, as plain JSON values."""
    from sklearn.model_selection import ParameterSampler

    assert request.search is not None
    sampler = ParameterSampler(
        _distributions(request.search.space), n_iter=request.search.iterations, random_state=request.seed
    )
    # A list-only space smaller than `iterations` is sampled without
    # replacement, so fewer candidates are planned than asked for (sklearn
    # warns about that; "planned" in the metadata says it).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return [{k: to_json_value(v) for k, v in params.items()} for params in sampler]


def _folds(request: TrainingRequest, y: np.ndarray) -> Any:
    from sklearn.model_selection import KFold, StratifiedKFold

    assert request.search is not None
    k = request.search.folds
    if len(y) < k:
        raise DataError(
            "too_few_rows",
            f"{k}-fold cross-validation needs at least {k} training rows; the training split has {len(y)}",
        )
    if request.is_classification:
        classes, counts = np.unique(y, return_counts=True)
        small = [(c, n) for c, n in zip(classes, counts) if n < k]
        if small:
            raise DataError(
                "class_too_small",
                f'{k}-fold stratified cross-validation needs at least {k} training rows of each class of target column '
                f'"{request.target}"; too few: '
                + ", ".join(f"{json.dumps(to_json_value(c))} ({n} rows)" for c, n in small[:10])
                + " (fewer folds or more data)",
                column=request.target,
            )
        return StratifiedKFold(n_splits=k, shuffle=True, random_state=request.seed)
    return KFold(n_splits=k, shuffle=True, random_state=request.seed)


def run(
    request: TrainingRequest,
    make_pipeline: Callable[[dict[str, Any]], Any],
    X: Any,
    y: np.ndarray,
    progress: Progress,
) -> SearchResult:
    """Evaluate candidates on (X, y), the training split; return the best."""
    from sklearn.model_selection import cross_val_score

    assert request.search is not None
    search = request.search
    scoring = SCORING[request.family]
    cv = _folds(request, y)
    planned = candidates(request)
    started = time.monotonic()
    best: tuple[float, dict[str, Any]] | None = None
    evaluated = 0
    for i, params in enumerate(planned):
        elapsed = time.monotonic() - started
        if i > 0 and elapsed >= search.time_budget_seconds:
            break
        fraction = FRACTION_START + (FRACTION_END - FRACTION_START) * i / len(planned)
        label = f"candidate {i + 1}/{len(planned)} {json.dumps(params)}"
        pipeline = make_pipeline(params)
        with progress.ticking("search", fraction, f"{label}: {search.folds}-fold cross-validation ({scoring})"):
            try:
                scores = cross_val_score(pipeline, X, y, scoring=scoring, cv=cv, error_score="raise")
            except (ValueError, TypeError) as exc:
                raise InvalidRequest(
                    "estimator_rejected",
                    f"estimator {request.estimator_label} failed to fit during the search with "
                    f"{json.dumps({**request.params, **params})}: {exc}",
                    field="search.space",
                ) from exc
        score = float(np.mean(scores))
        evaluated += 1
        if best is None or score > best[0]:
            best = (score, params)
        progress.emit(
            "search",
            FRACTION_START + (FRACTION_END - FRACTION_START) * (i + 1) / len(planned),
            f"{label}: {scoring} {score:.6g} (best {best[0]:.6g})",
        )
    assert best is not None
    return SearchResult(
        best_params=best[1],
        best_score=best[0],
        evaluated=evaluated,
        planned=len(planned),
        scoring=scoring,
        seconds=time.monotonic() - started,
    )
