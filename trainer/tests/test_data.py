"""Data loading and normalisation: what the trainer makes of CSV and Parquet
values, and the float32 alignment helpers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from driftloop_trainer import data
from driftloop_trainer.errors import DataError
from driftloop_trainer.pipeline import _floor_float32
from driftloop_trainer.request import parse_request


def _request(features, target="y", task="binary"):
    return parse_request(
        json.dumps(
            {
                "schemaVersion": 1,
                "modelName": "m",
                "task": task,
                "target": target,
                "features": [{"name": n, "kind": k} for n, k in features],
                "timeColumn": None,
                "estimator": {"name": "random_forest", "params": {}},
                "search": None,
                "validation": {"policy": "random", "fraction": 0.25},
                "seed": 1,
            }
        )
    )


def _prepare(tmp_path, text, features, target="y", task="binary"):
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    return data.prepare(_request(features, target, task), data.read_table(path))


def test_csv_categories_keep_their_text_and_only_empty_fields_are_missing(tmp_path):
    X, _ = _prepare(tmp_path, "code,n,y\n007,1,a\nNA,,b\n,nan,a\n7, 2.5 ,b\n", [("code", "categorical"), ("n", "numeric")])
    assert X["code"].tolist() == ["007", "NA", "", "7"]
    assert np.isnan(X["n"].to_numpy()[[1, 2]]).all() and X["n"].tolist()[::3] == [1.0, 2.5]


def test_csv_integer_targets_become_int_classes_and_other_text_stays_string(tmp_path):
    _, y = _prepare(tmp_path, "x,y\n1,0\n2,1\n3,-1\n", [("x", "numeric")])
    assert y.dtype == np.int64 and y.tolist() == [0, 1, -1]
    _, y = _prepare(tmp_path, "x,y\n1,1\n2,yes\n3,1.5\n", [("x", "numeric")])
    assert y.dtype == object and y.tolist() == ["1", "yes", "1.5"]


def test_non_numeric_values_name_column_and_1_based_rows(tmp_path):
    with pytest.raises(DataError) as info:
        _prepare(tmp_path, "x,y\n1,0\nabc,1\n3,0\n1e999,1\n", [("x", "numeric")])
    error = info.value
    assert (error.code, error.context["column"], error.context["rows"]) == ("non_numeric_values", "x", [2, 4])
    assert 'row 2: "abc"' in error.message and 'row 4: "1e999"' in error.message


def test_numbers_beyond_float32_are_rejected(tmp_path):
    with pytest.raises(DataError) as info:
        _prepare(tmp_path, "x,y\n1,0\n1e39,1\n", [("x", "numeric")])
    assert (info.value.code, info.value.context["rows"]) == ("non_numeric_values", [2])


def test_parquet_values_are_normalised_like_javascript_would_print_them(tmp_path):
    frame = pd.DataFrame(
        {
            "i": pd.array([1, None, 3, 4], dtype="Int64"),
            "f": [1.0, 2.5, np.nan, 4.0],
            "b": [True, False, True, None],
            "s": ["a", None, "", "d"],
            "y": pd.array([0, 1, 0, 1], dtype="Int64"),
        }
    )
    path = tmp_path / "d.parquet"
    frame.to_parquet(path)
    request = _request([("i", "categorical"), ("f", "categorical"), ("b", "categorical"), ("s", "categorical")])
    X, y = data.prepare(request, data.read_table(path))
    assert X["i"].tolist() == ["1", "", "3", "4"]
    assert X["f"].tolist() == ["1", "2.5", "", "4"]
    assert X["b"].tolist() == ["true", "false", "true", ""]
    assert X["s"].tolist() == ["a", "", "", "d"]
    assert y.dtype == np.int64 and y.tolist() == [0, 1, 0, 1]


def test_parquet_float_classes_must_be_integers(tmp_path):
    path = tmp_path / "d.parquet"
    pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0.0, 1.0, 0.5]}).to_parquet(path)
    with pytest.raises(DataError) as info:
        data.prepare(_request([("x", "numeric")]), data.read_table(path))
    assert (info.value.code, info.value.context["column"], info.value.context["rows"]) == ("invalid_target_values", "y", [3])
    pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0.0, 1.0, 2.0]}).to_parquet(path)
    _, y = data.prepare(_request([("x", "numeric")], task="multiclass"), data.read_table(path))
    assert y.dtype == np.int64 and y.tolist() == [0, 1, 2]


def test_numeric_feature_without_any_value_is_an_error(tmp_path):
    with pytest.raises(DataError) as info:
        _prepare(tmp_path, "x,z,y\n,1,0\n,2,1\n", [("x", "numeric"), ("z", "numeric")])
    assert (info.value.code, info.value.context["column"]) == ("empty_column", "x")


def test_a_class_with_one_row_cannot_be_stratified(tmp_path):
    rows = "\n".join(f"{i},{'a' if i < 12 else 'b' if i < 24 else 'c'}" for i in range(25))
    request = _request([("x", "numeric")], task="multiclass")
    path = tmp_path / "d.csv"
    path.write_text("x,y\n" + rows + "\n")
    X, y = data.prepare(request, data.read_table(path))
    with pytest.raises(DataError) as info:
        data.split(request, X, y)
    assert (info.value.code, info.value.context["column"]) == ("class_too_small", "y")
    assert '"c"' in info.value.message


def test_binary_task_with_three_classes_is_an_error(tmp_path):
    rows = "\n".join(f"{i},{i % 3}" for i in range(30))
    request = _request([("x", "numeric")])
    path = tmp_path / "d.csv"
    path.write_text("x,y\n" + rows + "\n")
    X, y = data.prepare(request, data.read_table(path))
    with pytest.raises(DataError) as info:
        data.split(request, X, y)
    assert (info.value.code, info.value.context["column"]) == ("too_many_classes", "y")


def test_split_is_seeded_stratified_and_sized_by_fraction(tmp_path):
    rows = "\n".join(f"{i},{int(i % 4 == 0)}" for i in range(100))
    request = _request([("x", "numeric")])
    path = tmp_path / "d.csv"
    path.write_text("x,y\n" + rows + "\n")
    X, y = data.prepare(request, data.read_table(path))
    first, second = data.split(request, X, y), data.split(request, X, y)
    assert first.valid.tolist() == second.valid.tolist()
    assert len(first.valid) == 25 and sorted(first.train.tolist() + first.valid.tolist()) == list(range(100))
    assert y[first.valid].mean() == pytest.approx(y.mean(), abs=0.02)


def test_floor_float32_keeps_every_float32_decision():
    rng = np.random.default_rng(0)
    thresholds = np.concatenate([rng.normal(size=2000), [np.inf, -2.0, 0.0]])
    floored = _floor_float32(thresholds)
    assert np.array_equal(floored, floored.astype(np.float32).astype(np.float64))  # float32-exact
    below = np.nextafter(thresholds.astype(np.float32), np.float32(-np.inf))
    above = np.nextafter(thresholds.astype(np.float32), np.float32(np.inf))
    for x in (below, thresholds.astype(np.float32), above):
        assert np.array_equal(x <= thresholds, x <= floored)
