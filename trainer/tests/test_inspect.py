"""inspect: a request's task and features inferred from a data file, by the
documented rules, as one JSON object on stdout."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import BINARY_FEATURES, MULTICLASS_FEATURES, REGRESSION_FEATURES, make_request, train_in_process
from driftloop_trainer.errors import DataError, InvalidRequest
from driftloop_trainer.inspect_data import inspect


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "driftloop_trainer", "inspect", *args], capture_output=True, text=True, timeout=60
    )


def _write(tmp_path, frame: pd.DataFrame, suffix: str = ".csv"):
    path = tmp_path / f"d{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    return path


def test_cli_prints_one_json_object_with_task_features_and_reasons(datasets):
    proc = _cli("--data", str(datasets["binary"]), "--target", "target")
    assert proc.returncode == 0 and proc.stderr == ""
    (line,) = proc.stdout.splitlines()
    result = json.loads(line)
    assert list(result) == ["task", "target", "features", "rows", "timeColumn", "reasons"]
    assert (result["task"], result["target"], result["rows"], result["timeColumn"]) == ("binary", "target", 569, None)
    assert result["features"] == BINARY_FEATURES
    assert set(result["reasons"]) == {"task"} | {f["name"] for f in BINARY_FEATURES}
    assert "2 distinct values" in result["reasons"]["task"]
    assert "numbers" in result["reasons"]["mean_radius"] and "missing" in result["reasons"]["mean_radius"]
    assert '"basic"' in result["reasons"]["plan"]


def test_cli_errors_are_one_json_line_with_the_data_error_exit_code(datasets):
    proc = _cli("--data", str(datasets["binary"]), "--target", "churned")
    assert proc.returncode == 3 and proc.stdout == ""
    error = json.loads(proc.stderr)["error"]
    assert (error["class"], error["code"], error["column"]) == ("data_error", "missing_column", "churned")
    assert 'no column "churned" (the target)' in error["message"]


def test_inferred_request_trains(tmp_path, datasets):
    result = inspect(datasets["multiclass"], "species", [], None)
    assert result["task"] == "multiclass"
    request = make_request("multiclass", "random_forest", features=result["features"], target=result["target"])
    out, _ = train_in_process(tmp_path, request, datasets["multiclass"])
    assert json.loads((out / "metadata.json").read_text())["classes"] == ["setosa", "versicolor", "virginica"]


def test_integer_coded_columns_are_numeric_by_the_rules(datasets):
    # "batch" (1..3) and "sex" (1/2) hold numbers, so the rules say numeric;
    # the hand-written test requests declare them categorical on purpose.
    multiclass = inspect(datasets["multiclass"], "species", [], None)
    assert {f["name"]: f["kind"] for f in multiclass["features"]}["batch"] == "numeric"
    assert multiclass["features"][:4] == MULTICLASS_FEATURES[:4]
    regression = inspect(datasets["regression"], "target", ["s1", "s2", "s3", "s4"], None)
    assert regression["task"] == "regression"
    assert [f["name"] for f in regression["features"]] == [f["name"] for f in REGRESSION_FEATURES]


@pytest.mark.parametrize(
    "values,task,fragment",
    [
        (["yes", "no"] * 15, "binary", "text target"),
        (["a", "b", "c"] * 10, "multiclass", "3 distinct"),
        ([True, False] * 15, "binary", "target: 2 distinct values"),  # CSV: text; Parquet: boolean
        (list(range(20)) + list(range(10)), "multiclass", "integer target"),
        (list(range(21)) + list(range(9)), "regression", "21 distinct values (more than 20)"),
        ([0, 1] * 15, "binary", "2 distinct"),
        ([0.0, 1.0, 2.0] * 10, "multiclass", "all integral"),
        ([0.5, 1.0] * 15, "regression", "not all integral"),
        ([float(i) for i in range(30)], "regression", "30 distinct values"),
    ],
    ids=["yes-no", "three-strings", "bool", "int-20", "int-21", "int-2", "float-integral", "float", "float-30"],
)
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_task_rules(tmp_path, values, task, fragment, suffix):
    frame = pd.DataFrame({"x": np.arange(len(values), dtype=float), "y": values})
    result = inspect(_write(tmp_path, frame, suffix), "y", [], None)
    assert result["task"] == task
    assert fragment in result["reasons"]["task"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_feature_rules(tmp_path, suffix):
    frame = pd.DataFrame(
        {
            "age": [31, 45, None, 22] * 6,
            "score": [0.5, 1e3, 2.25, -1.0] * 6,
            "plan": ["basic", "pro", None, "team"] * 6,
            "active": [True, False, True, True] * 6,
            "code": ["007", "12", "x1", "3"] * 6,
            "y": [0, 1, 0, 1] * 6,
        }
    )
    result = inspect(_write(tmp_path, frame, suffix), "y", [], None)
    kinds = {f["name"]: f["kind"] for f in result["features"]}
    assert kinds == {"age": "numeric", "score": "numeric", "plan": "categorical", "active": "categorical", "code": "categorical"}
    assert "6 missing" in result["reasons"]["age"]
    assert "text values (3 distinct" in result["reasons"]["plan"]


def test_drop_and_time_column_are_not_features(tmp_path):
    frame = pd.DataFrame(
        {"id": range(24), "x": np.linspace(0, 1, 24), "at": pd.date_range("2024-01-01", periods=24).astype(str), "y": [0, 1] * 12}
    )
    result = inspect(_write(tmp_path, frame), "y", ["id"], "at")
    assert result["features"] == [{"name": "x", "kind": "numeric"}] and result["timeColumn"] == "at"
    assert set(result["reasons"]) == {"task", "x"}


def test_an_all_missing_column_is_a_data_error(tmp_path):
    frame = pd.DataFrame({"x": [1.0, 2.0] * 10, "notes": [None] * 20, "y": [0, 1] * 10})
    with pytest.raises(DataError) as info:
        inspect(_write(tmp_path, frame), "y", [], None)
    assert (info.value.code, info.value.context["column"]) == ("empty_column", "notes")
    assert "--drop notes" in info.value.message


@pytest.mark.parametrize(
    "frame,args,code,column",
    [
        (pd.DataFrame({"x": [1, 2] * 10, "y": [0, None] * 10}), ("y", [], None), "target_missing_values", "y"),
        (pd.DataFrame({"x": [1, 2] * 10, "y": [0, 1] * 10}), ("y", ["nope"], None), "missing_column", "nope"),
        (pd.DataFrame({"x": [1, 2] * 10, "y": [1] * 20}), ("y", [], None), "single_class_target", "y"),
        (pd.DataFrame({"x": [1, 2] * 10, "at": ["2024-01-01", "soon"] * 10, "y": [0, 1] * 10}), ("y", [], "at"),
         "invalid_time_values", "at"),
        (pd.DataFrame({"label": [1, 2] * 10, "y": [0, 1] * 10}), ("y", [], None), "reserved_feature_name", "label"),
    ],
    ids=["target-missing", "drop-missing", "single-class", "bad-time", "reserved-name"],
)
def test_data_errors_name_the_column(tmp_path, frame, args, code, column):
    with pytest.raises(DataError) as info:
        inspect(_write(tmp_path, frame), *args)
    assert (info.value.code, info.value.context["column"]) == (code, column)


def test_target_cannot_be_dropped_or_the_time_column(tmp_path):
    path = _write(tmp_path, pd.DataFrame({"x": [1, 2] * 10, "y": [0, 1] * 10}))
    for args in (("y", ["y"], None), ("y", [], "y")):
        with pytest.raises(InvalidRequest) as info:
            inspect(path, *args)
        assert info.value.code == "invalid_arguments"
