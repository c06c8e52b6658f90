"""Shared builders: small datasets from scikit-learn (no downloads), requests,
and a runner for the real CLI in a subprocess."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from driftloop_trainer.events import Progress


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.columns = [c.replace(" ", "_") for c in frame.columns]
    return frame


def binary_frame() -> pd.DataFrame:
    """Breast cancer: 6 numeric features (some missing), a categorical "plan"
    (some missing), integer target 0/1."""
    from sklearn.datasets import load_breast_cancer

    frame = _tidy(load_breast_cancer(as_frame=True).frame)
    frame = frame[["mean_radius", "mean_texture", "mean_area", "mean_smoothness", "worst_concavity", "worst_symmetry", "target"]]
    rng = np.random.default_rng(7)
    frame.insert(6, "plan", rng.choice(["basic", "pro", "team"], len(frame)).astype(object))
    frame.loc[rng.random(len(frame)) < 0.08, "plan"] = None
    frame.loc[rng.random(len(frame)) < 0.08, "mean_radius"] = np.nan
    return frame


BINARY_FEATURES = [
    {"name": "mean_radius", "kind": "numeric"},
    {"name": "mean_texture", "kind": "numeric"},
    {"name": "mean_area", "kind": "numeric"},
    {"name": "mean_smoothness", "kind": "numeric"},
    {"name": "worst_concavity", "kind": "numeric"},
    {"name": "worst_symmetry", "kind": "numeric"},
    {"name": "plan", "kind": "categorical"},
]


def multiclass_frame() -> pd.DataFrame:
    """Iris with string class names and an integer-coded categorical column."""
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True)
    frame = _tidy(iris.frame).rename(columns=lambda c: c.replace("_(cm)", ""))
    frame["species"] = np.asarray(iris.target_names)[frame.pop("target")]
    rng = np.random.default_rng(3)
    frame["batch"] = rng.integers(1, 4, len(frame))
    return frame


MULTICLASS_FEATURES = [
    {"name": "sepal_length", "kind": "numeric"},
    {"name": "sepal_width", "kind": "numeric"},
    {"name": "petal_length", "kind": "numeric"},
    {"name": "petal_width", "kind": "numeric"},
    {"name": "batch", "kind": "categorical"},
]


def regression_frame() -> pd.DataFrame:
    """Diabetes, unscaled: integer ages, "sex" (1/2) used as a category."""
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True, scaled=False).frame
    frame["sex"] = frame["sex"].astype(int)
    return frame


REGRESSION_FEATURES = [
    {"name": "age", "kind": "numeric"},
    {"name": "sex", "kind": "categorical"},
    {"name": "bmi", "kind": "numeric"},
    {"name": "bp", "kind": "numeric"},
    {"name": "s5", "kind": "numeric"},
    {"name": "s6", "kind": "numeric"},
]

CASES = {
    "binary": (binary_frame, BINARY_FEATURES, "target"),
    "multiclass": (multiclass_frame, MULTICLASS_FEATURES, "species"),
    "regression": (regression_frame, REGRESSION_FEATURES, "target"),
}

# Small ensembles keep the suite fast; the conversion paths are the same.
FAST_PARAMS = {
    "random_forest": {"n_estimators": 15, "max_depth": 8},
    "gradient_boosting": {"n_estimators": 20},
    "hist_gradient_boosting": {"max_iter": 20},
    "logistic_regression": {"max_iter": 500},
    "linear_regression": {},
    "ridge": {"alpha": 0.5},
}


def make_request(task: str, estimator: str, **overrides: Any) -> dict[str, Any]:
    _, features, target = CASES[task]
    request = {
        "schemaVersion": 1,
        "modelName": f"{task}-{estimator}".replace("_", "-"),
        "task": task,
        "target": target,
        "features": copy.deepcopy(features),
        "timeColumn": None,
        "estimator": {"name": estimator, "params": dict(FAST_PARAMS[estimator])},
        "search": None,
        "validation": {"policy": "random", "fraction": 0.2},
        "seed": 42,
    }
    request.update(overrides)
    return request


@pytest.fixture(scope="session")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One CSV per task, written once per session."""
    root = tmp_path_factory.mktemp("data")
    paths = {}
    for task, (build, _, _) in CASES.items():
        paths[task] = root / f"{task}.csv"
        build().to_csv(paths[task], index=False)
    return paths


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str
    out: Path
    events: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None


def run_cli(
    tmp_path: Path,
    request: dict[str, Any] | Path,
    data: Path,
    out: Path | None = None,
    env: dict[str, str] | None = None,
    extra_args: list[str] | None = None,
) -> CliResult:
    """Run ``python -m driftloop_trainer``; stdout must be JSON lines only and a
    failure must leave exactly one JSON line on stderr."""
    req_path = request if isinstance(request, Path) else write_json(tmp_path / "request.json", request)
    out = out or tmp_path / "out"
    args = ["--request", str(req_path), "--data", str(data), "--out", str(out)] if extra_args is None else extra_args
    proc = subprocess.run(
        [sys.executable, "-m", "driftloop_trainer", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    events = [json.loads(line) for line in proc.stdout.splitlines()]  # raises if any line is not JSON
    error = None
    if proc.returncode != 0:
        lines = proc.stderr.splitlines()
        assert len(lines) == 1, f"stderr must be one JSON line, got: {proc.stderr!r}"
        error = json.loads(lines[0])["error"]
    return CliResult(proc.returncode, proc.stdout, proc.stderr, out, events, error)


def train_in_process(tmp_path: Path, request: dict[str, Any], data: Path) -> tuple[Path, list[dict[str, Any]]]:
    """The same run as the CLI without a new interpreter (much faster)."""
    from driftloop_trainer.train import run

    stream = io.StringIO()
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(write_json(tmp_path / "request.json", request), data, out, Progress(stream))
    return out, [json.loads(line) for line in stream.getvalue().splitlines()]
