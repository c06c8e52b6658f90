"""Training end to end (in process): every estimator family on every task it
serves, the metadata, the ONNX contract and the parity gate."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import pytest

from conftest import CASES, make_request, train_in_process
from driftloop_trainer.parity import ATOL

FAMILIES = [
    ("binary", "logistic_regression", "LogisticRegression"),
    ("binary", "random_forest", "RandomForestClassifier"),
    ("binary", "gradient_boosting", "GradientBoostingClassifier"),
    ("binary", "hist_gradient_boosting", "HistGradientBoostingClassifier"),
    ("multiclass", "logistic_regression", "LogisticRegression"),
    ("multiclass", "random_forest", "RandomForestClassifier"),
    ("multiclass", "gradient_boosting", "GradientBoostingClassifier"),
    ("multiclass", "hist_gradient_boosting", "HistGradientBoostingClassifier"),
    ("regression", "linear_regression", "LinearRegression"),
    ("regression", "ridge", "Ridge"),
    ("regression", "random_forest", "RandomForestRegressor"),
    ("regression", "gradient_boosting", "GradientBoostingRegressor"),
    ("regression", "hist_gradient_boosting", "HistGradientBoostingRegressor"),
]


def _session(out) -> ort.InferenceSession:
    return ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])


def _feeds(features, records) -> dict[str, np.ndarray]:
    """Prototype records fed the way the TypeScript side does: null numbers
    as NaN, null categories as ""."""
    feeds = {}
    for f in features:
        values = [r[f["name"]] for r in records]
        if f["kind"] == "numeric":
            feeds[f["name"]] = np.array([np.nan if v is None else v for v in values], dtype=np.float32).reshape(-1, 1)
        else:
            feeds[f["name"]] = np.array(["" if v is None else v for v in values], dtype=object).reshape(-1, 1)
    return feeds


@pytest.mark.parametrize("task,estimator,cls", FAMILIES, ids=[f"{t}-{e}" for t, e, _ in FAMILIES])
def test_estimator_family_trains_converts_and_passes_parity(tmp_path, datasets, task, estimator, cls):
    out, events = train_in_process(tmp_path, make_request(task, estimator), datasets[task])
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["estimator"] == {"name": estimator, "class": cls, "params": make_request(task, estimator)["estimator"]["params"]}
    parity = meta["parity"]
    assert parity["rows"] == meta["validation"]["rows"] > 0
    assert 0 <= parity["maxAbsDiff"] <= parity["tolerance"]
    if task == "regression":
        assert parity["tolerance"] == pytest.approx(1e-4 * pd.read_csv(datasets[task])["target"].abs().max(), rel=0.5)
    else:
        assert parity["tolerance"] == ATOL
    # The saved model runs on the prototype rows with the documented outputs.
    outputs = _session(out).run(None, _feeds(meta["features"], json.loads((out / "prototype.json").read_text())))
    if task == "regression":
        assert outputs[0].shape == (5, 1) and outputs[0].dtype == np.float32
    else:
        assert outputs[1].shape == (5, len(meta["classes"]))
        assert np.allclose(outputs[1].sum(axis=1), 1.0, atol=1e-5)
        assert set(outputs[0].tolist()) <= set(meta["classes"])
    assert [e["stage"] for e in events if e["event"] == "progress"][-1] == "write"


def test_metadata_fields_are_present_and_sane(tmp_path, datasets):
    request = make_request("binary", "random_forest")
    out, _ = train_in_process(tmp_path, request, datasets["binary"])
    meta = json.loads((out / "metadata.json").read_text())
    frame = pd.read_csv(datasets["binary"])

    assert list(meta) == [
        "schemaVersion", "modelName", "task", "target", "features", "classes", "estimator", "search", "metrics",
        "validation", "trainingData", "onnx", "libraries", "fitSeconds", "parity", "seed",
    ]
    assert (meta["schemaVersion"], meta["modelName"], meta["task"], meta["target"], meta["seed"]) == (
        1, request["modelName"], "binary", "target", 42,
    )
    by_name = {f["name"]: f for f in meta["features"]}
    assert [f["name"] for f in meta["features"]] == [f["name"] for f in request["features"]]
    radius = by_name["mean_radius"]
    assert radius["kind"] == "numeric"
    assert radius["range"] == {"min": frame["mean_radius"].min(), "max": frame["mean_radius"].max()}
    assert radius["missing"] == int(frame["mean_radius"].isna().sum()) > 0
    plan = by_name["plan"]
    assert plan["categories"] == ["basic", "pro", "team"]
    assert plan["missing"] == int(frame["plan"].isna().sum()) > 0
    assert "range" not in plan and "categories" not in radius

    assert meta["classes"] == [0, 1] and all(type(c) is int for c in meta["classes"])
    metrics = meta["metrics"]
    assert set(metrics) == {"accuracy", "f1", "rocAuc", "logLoss"}
    assert 0.8 < metrics["accuracy"] <= 1 and 0.8 < metrics["f1"] <= 1 and 0.9 < metrics["rocAuc"] <= 1
    assert 0 < metrics["logLoss"] < 1
    assert meta["search"] is None
    assert meta["validation"] == {"policy": "random", "fraction": 0.2, "rows": math.ceil(0.2 * len(frame)), "timeColumn": None}
    assert meta["trainingData"] == {
        "sha256": hashlib.sha256(datasets["binary"].read_bytes()).hexdigest(),
        "rows": len(frame),
        "columns": list(frame.columns),
    }
    assert meta["onnx"]["opset"] == 17 and meta["onnx"]["opsetImports"]["ai.onnx"] == 17
    assert meta["onnx"]["inputs"] == [
        {"name": f["name"], "type": "float32" if f["kind"] == "numeric" else "string"} for f in request["features"]
    ]
    assert meta["onnx"]["outputs"] == ["label", "probabilities"]
    assert set(meta["libraries"]) == {"python", "numpy", "pandas", "sklearn", "skl2onnx", "onnx", "onnxruntime"}
    assert meta["libraries"]["sklearn"] == "1.9.1" and meta["libraries"]["skl2onnx"] == "1.20.0"
    assert meta["fitSeconds"] >= 0
    assert meta["parity"]["labelMismatches"] == 0


def test_onnx_model_has_one_typed_input_per_feature_and_contract_outputs(tmp_path, datasets):
    out, _ = train_in_process(tmp_path, make_request("binary", "logistic_regression"), datasets["binary"])
    model = onnx.load(str(out / "model.onnx"))
    inputs = {i.name: i.type.tensor_type for i in model.graph.input}
    assert list(inputs) == [f["name"] for f in CASES["binary"][1]]
    for f in CASES["binary"][1]:
        tensor = inputs[f["name"]]
        want = onnx.TensorProto.FLOAT if f["kind"] == "numeric" else onnx.TensorProto.STRING
        assert tensor.elem_type == want
        dims = tensor.shape.dim
        assert len(dims) == 2 and not dims[0].HasField("dim_value") and dims[1].dim_value == 1
    outputs = {o.name: o.type.tensor_type for o in model.graph.output}
    assert list(outputs) == ["label", "probabilities"]
    assert outputs["probabilities"].elem_type == onnx.TensorProto.FLOAT
    assert outputs["label"].elem_type == onnx.TensorProto.INT64
    assert not any(n.op_type == "ZipMap" for n in model.graph.node)
    assert model.graph.name == "binary-logistic-regression"
    assert [(o.domain, o.version) for o in model.opset_import] == sorted((o.domain, o.version) for o in model.opset_import)


def test_string_classes_stay_strings_in_metadata_and_onnx_labels(tmp_path, datasets):
    out, _ = train_in_process(tmp_path, make_request("multiclass", "random_forest"), datasets["multiclass"])
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["classes"] == ["setosa", "versicolor", "virginica"]
    assert set(meta["metrics"]) == {"accuracy", "f1", "rocAuc", "logLoss"}
    assert meta["features"][-1]["categories"] == ["1", "2", "3"]  # integer-coded column read as text
    labels, proba = _session(out).run(None, _feeds(meta["features"], json.loads((out / "prototype.json").read_text())))
    assert labels.dtype == object and set(labels.tolist()) <= set(meta["classes"])
    assert proba.shape == (5, 3)


def test_regression_metadata_has_null_classes_and_regression_metrics(tmp_path, datasets):
    out, _ = train_in_process(tmp_path, make_request("regression", "ridge"), datasets["regression"])
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["classes"] is None
    assert set(meta["metrics"]) == {"rmse", "mae", "r2"}
    assert 0 < meta["metrics"]["mae"] <= meta["metrics"]["rmse"] and 0.2 < meta["metrics"]["r2"] < 1
    assert meta["onnx"]["outputs"] == ["variable"]
    assert meta["features"][1] == {"name": "sex", "kind": "categorical", "categories": ["1", "2"], "missing": 0}


def test_prototype_is_first_five_rows_features_only_with_null_for_missing(tmp_path, datasets):
    request = make_request("binary", "logistic_regression")
    out, _ = train_in_process(tmp_path, request, datasets["binary"])
    proto = json.loads((out / "prototype.json").read_text())
    frame = pd.read_csv(datasets["binary"]).head(5)
    assert len(proto) == 5
    assert all(list(r) == [f["name"] for f in request["features"]] for r in proto)
    for record, (_, row) in zip(proto, frame.iterrows()):
        for f in request["features"]:
            value = row[f["name"]]
            assert record[f["name"]] == (None if pd.isna(value) else value)


def test_grid_valued_features_keep_tree_parity_across_seeds(tmp_path):
    # Integer features put validation values exactly on split thresholds
    # (midpoints of neighbouring integers); float32 rounding must not flip them.
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame({"a": rng.integers(0, 40, n), "b": rng.integers(0, 7, n) * 0.1, "c": rng.normal(50, 9, n).round(1)})
    frame["y"] = ((frame.a + 30 * frame.b + rng.normal(0, 4, n)) > 40).astype(int)
    data = tmp_path / "grid.csv"
    frame.to_csv(data, index=False)
    features = [{"name": c, "kind": "numeric"} for c in "abc"]
    for seed in range(4):
        for estimator in ("random_forest", "gradient_boosting", "hist_gradient_boosting"):
            run_dir = tmp_path / f"{estimator}-{seed}"
            run_dir.mkdir()
            request = make_request("binary", estimator, features=features, target="y", seed=seed)
            out, _ = train_in_process(run_dir, request, data)
            parity = json.loads((out / "metadata.json").read_text())["parity"]
            assert parity["maxAbsDiff"] <= ATOL and parity["labelMismatches"] == 0, (estimator, seed, parity)


def test_ticking_repeats_the_stage_until_the_block_ends():
    import io
    import time

    from driftloop_trainer.events import Progress

    stream = io.StringIO()
    progress = Progress(stream, heartbeat_seconds=0.02)
    with progress.ticking("fit", 0.2, "fitting"):
        time.sleep(0.15)
    time.sleep(0.05)  # nothing may follow the block's end
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(events) >= 3
    assert all((e["event"], e["stage"], e["fraction"]) == ("progress", "fit", 0.2) for e in events)
    assert events[0]["message"] == "fitting" and all(e["message"].startswith("fitting (") for e in events[1:])
