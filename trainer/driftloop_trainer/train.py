"""One training run: request → data → fit → ONNX → parity → OUTDIR."""

from __future__ import annotations

import json
import platform
import time
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import numpy as np

from . import data, output
from .errors import InvalidRequest
from .events import Progress
from .request import SCHEMA_VERSION, TrainingRequest, load_request

_LIBRARIES = {
    "numpy": "numpy",
    "pandas": "pandas",
    "sklearn": "scikit-learn",
    "skl2onnx": "skl2onnx",
    "onnx": "onnx",
    "onnxruntime": "onnxruntime",
}


def run(request_path: str | Path, data_path: str | Path, out_dir: Path, progress: Progress) -> bool:
    """Train and publish OUTDIR. False if a concurrent run published it first."""
    progress.emit("load", 0.0, f"reading training request {str(request_path)!r}")
    request = load_request(request_path)
    output.check_target(out_dir)
    # Imported only now so that a malformed request fails in a fraction of a
    # second; scikit-learn and skl2onnx take over a second to import.
    from .estimators import Estimators

    estimators = Estimators(request)  # checks params, search space and user code before the data is read

    progress.emit("load", 0.05, f"reading training data {str(data_path)!r}")
    table = data.read_table(data_path)

    progress.emit("validate", 0.15, f"checking {table.rows} rows x {len(table.columns)} columns against the request")
    X, y = data.prepare(request, table)
    time_keys = data.read_time(request, table)
    ds = data.split(request, X, y, time_keys)

    from . import metrics, parity
    from .convert import OPSET, convert, opset_imports
    from .pipeline import align_to_float32, build_pipeline, float32_inputs

    X_model = float32_inputs(request, X)
    X_train, y_train = X_model.iloc[ds.train], y[ds.train]

    best_params: dict[str, Any] = {}
    searched = None
    if request.search is not None:
        from . import search

        searched = search.run(
            request, lambda params: _pipeline(request, estimators, params), X_train, y_train, progress
        )
        best_params = searched.best_params
        fit_fraction = search.FRACTION_END
    else:
        progress.emit("search", 0.2, "no hyperparameter search requested")
        fit_fraction = 0.2

    estimator = estimators.build(best_params)
    pipeline = build_pipeline(request, estimator)
    name = type(estimator).__name__
    started = time.perf_counter()
    with progress.ticking("fit", fit_fraction, f"fitting {name} on {len(ds.train)} rows"):
        _fit(request, pipeline, X_train, y_train, best_params)
    fit_seconds = time.perf_counter() - started
    align_to_float32(pipeline)

    # Large ensembles take minutes to convert and check too, so these
    # stages keep the heartbeat going as well.
    with progress.ticking("convert", 0.75, f"converting to ONNX (opset {OPSET})"):
        converted = convert(request, pipeline)

    X_valid, y_valid = X_model.iloc[ds.valid], y[ds.valid]
    scale = parity.target_scale(y_train) if not request.is_classification else 1.0
    with progress.ticking("parity", 0.85, f"comparing ONNX and sklearn outputs on {len(ds.valid)} validation rows"):
        report = parity.check(request, pipeline, converted.session, X_valid, ds.valid + 1, scale)
    if request.is_classification:
        scores = metrics.classification(y_valid, report.sklearn_pred, report.sklearn_proba, pipeline.classes_)
    else:
        scores = metrics.regression(y_valid, report.sklearn_pred)

    progress.emit("write", 0.95, f"writing {str(out_dir)!r}")
    validation: dict[str, Any] = {
        "policy": request.validation_policy,
        "fraction": request.validation_fraction,
        "rows": int(len(ds.valid)),
        "timeColumn": request.time_column,
    }
    if time_keys is not None:
        # The earliest validation time: every later row is a validation row.
        validation["validFrom"] = time_keys.value(int(ds.valid[np.argmin(time_keys.keys[ds.valid])]))
    meta = {
        "schemaVersion": SCHEMA_VERSION,
        "modelName": request.model_name,
        "task": request.task,
        "target": request.target,
        "features": data.profile(request, X),
        "classes": [data.to_json_value(c) for c in pipeline.classes_] if request.is_classification else None,
        "estimator": estimators.describe(estimator, {**request.params, **best_params}),
        "search": searched.to_json() if searched is not None else None,
        "metrics": scores,
        "validation": validation,
        "trainingData": {"sha256": table.sha256, "rows": table.rows, "columns": table.columns},
        "onnx": {
            "opset": OPSET,
            "opsetImports": opset_imports(converted.model),
            "inputs": [
                {"name": f.name, "type": "float32" if f.kind == "numeric" else "string"} for f in request.features
            ],
            "outputs": [o.name for o in converted.model.graph.output],
        },
        "libraries": {"python": platform.python_version(), **{k: importlib_metadata.version(v) for k, v in _LIBRARIES.items()}},
        "fitSeconds": round(fit_seconds, 3),
        "parity": report.to_json(),
        "seed": request.seed,
    }
    with output.Staging(out_dir) as staging:
        staging.write("model.onnx", converted.data)
        staging.write("prototype.json", _json_bytes(data.prototype(request, X)))
        staging.write(output.MARKER, _json_bytes(meta))  # last: the completion marker
        return staging.publish()


def _pipeline(request: TrainingRequest, estimators: Any, params: dict[str, Any]) -> Any:
    from .pipeline import build_pipeline

    return build_pipeline(request, estimators.build(params))


def _fit(request: TrainingRequest, pipeline: Any, X: Any, y: np.ndarray, extra: dict[str, Any]) -> None:
    try:
        pipeline.fit(X, y)
    except (ValueError, TypeError) as exc:
        # The data passed every check already, so what the estimator still
        # rejects is its configuration (e.g. a solver/penalty combination).
        raise InvalidRequest(
            "estimator_rejected",
            f"estimator {request.estimator_label} ({type(pipeline.steps[-1][1]).__name__}) failed to fit with "
            f"params {json.dumps({**request.params, **extra})}: {exc}",
            field="estimator.params",
        ) from exc


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
