"""Validation policy "time": the latest rows by the time column are the
validation rows; the time column is read but never a feature."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import make_request, train_in_process
from driftloop_trainer import data
from driftloop_trainer.errors import DataError
from driftloop_trainer.request import parse_request

FEATURES = [{"name": "x", "kind": "numeric"}, {"name": "plan", "kind": "categorical"}]


def _frame(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = rng.permutation(n)  # rows are not in time order
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n).round(3),
            "plan": rng.choice(["basic", "pro"], n),
            "when": [(pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(d))).strftime("%Y-%m-%d") for d in days],
        }
    )
    frame["y"] = (frame.x + rng.normal(0, 0.5, n) > 0).astype(int)
    return frame


def _request(**overrides) -> dict:
    request = make_request(
        "binary", "logistic_regression", features=FEATURES, target="y", timeColumn="when",
        validation={"policy": "time", "fraction": 0.25},
    )
    request.update(overrides)
    return request


def _split(tmp_path, frame: pd.DataFrame, suffix: str = ".csv", **overrides):
    path = tmp_path / f"d{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    request = parse_request(json.dumps(_request(**overrides)))
    table = data.read_table(path)
    X, y = data.prepare(request, table)
    return data.split(request, X, y, data.read_time(request, table))


def test_the_latest_fraction_of_rows_by_time_is_the_validation_split(tmp_path):
    frame = _frame()
    ds = _split(tmp_path, frame)
    order = np.argsort(pd.to_datetime(frame["when"]).to_numpy(), kind="stable")
    assert ds.valid.tolist() == sorted(order[-15:].tolist())  # ceil(0.25 * 60) latest rows
    assert ds.train.tolist() == sorted(order[:-15].tolist())
    assert pd.to_datetime(frame.when[ds.train]).max() < pd.to_datetime(frame.when[ds.valid]).min()


def test_iso_timestamps_with_offsets_and_numbers_are_both_orderings(tmp_path):
    frame = _frame(40)
    # Row 0 is 23:30 at -02:00 on the 28th, i.e. 01:30 UTC on the 29th: the latest row of all.
    frame["when"] = [f"2024-03-{1 + i % 28:02d}T{(i * 7) % 24:02d}:00:00Z" for i in range(40)]
    frame.loc[0, "when"] = "2024-03-28T23:30:00-02:00"
    ds = _split(tmp_path, frame)
    assert 0 in ds.valid.tolist()
    numeric = frame.assign(when=np.arange(40)[::-1] * 1.5)  # later rows are earlier
    ds = _split(tmp_path, numeric)
    assert ds.valid.tolist() == list(range(10))


def test_parquet_timestamp_columns_are_used_directly(tmp_path):
    frame = _frame(40)
    frame["when"] = pd.to_datetime(frame["when"])
    ds = _split(tmp_path, frame, suffix=".parquet")
    assert ds.valid.tolist() == sorted(np.argsort(frame.when.to_numpy())[-10:].tolist())


def test_missing_times_are_a_data_error_naming_column_and_rows(tmp_path):
    frame = _frame(40)
    frame.loc[[3, 8], "when"] = None  # data rows 4 and 9
    with pytest.raises(DataError) as info:
        _split(tmp_path, frame)
    error = info.value
    assert (error.code, error.context["column"], error.context["rows"]) == ("time_missing_values", "when", [4, 9])
    assert 'time column "when"' in error.message


def test_unparseable_times_are_a_data_error_naming_column_and_rows(tmp_path):
    frame = _frame(40)
    frame.loc[[1, 5], "when"] = ["yesterday", "2024-02-30"]  # data rows 2 and 6
    with pytest.raises(DataError) as info:
        _split(tmp_path, frame)
    error = info.value
    assert (error.code, error.context["column"], error.context["rows"]) == ("invalid_time_values", "when", [2, 6])
    assert 'row 2: "yesterday"' in error.message and 'row 6: "2024-02-30"' in error.message


def test_a_missing_time_column_is_a_missing_column_error(tmp_path):
    with pytest.raises(DataError) as info:
        _split(tmp_path, _frame().drop(columns="when"))
    assert (info.value.code, info.value.context["column"]) == ("missing_column", "when")
    assert "(the time column)" in info.value.message


def test_a_class_seen_only_in_the_latest_rows_is_a_data_error(tmp_path):
    frame = _frame(40)
    frame["y"] = frame["y"].astype(str)
    latest = np.argsort(pd.to_datetime(frame.when).to_numpy())[-2:]
    frame.loc[latest, "y"] = "churned-late"
    with pytest.raises(DataError) as info:
        _split(tmp_path, frame, task="multiclass")
    assert (info.value.code, info.value.context["column"]) == ("class_missing_from_training", "y")
    assert '"churned-late"' in info.value.message


def test_time_split_trains_without_the_time_column_as_a_feature(tmp_path):
    path = tmp_path / "d.csv"
    frame = _frame(80)
    frame.to_csv(path, index=False)
    out, _ = train_in_process(tmp_path, _request(), path)
    meta = json.loads((out / "metadata.json").read_text())
    latest = pd.to_datetime(frame.when).sort_values().iloc[-20:]
    assert meta["validation"] == {
        "policy": "time", "fraction": 0.25, "rows": 20, "timeColumn": "when",
        "validFrom": latest.iloc[0].strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert [i["name"] for i in meta["onnx"]["inputs"]] == ["x", "plan"]
    assert "when" not in json.loads((out / "prototype.json").read_text())[0]
