"""The process contract, through the real CLI (``python -m driftloop_trainer``):
JSON progress on stdout, one JSON error line on stderr with its exit code,
byte-identical models, idempotent reruns and atomic output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from conftest import make_request, run_cli, write_json
from driftloop_trainer.events import STAGES


@pytest.fixture(scope="module")
def trained(tmp_path_factory, datasets):
    """One successful CLI run shared by the tests that only read its results."""
    tmp = tmp_path_factory.mktemp("trained")
    return run_cli(tmp, make_request("binary", "random_forest"), datasets["binary"])


def test_success_prints_json_progress_lines_then_done(trained):
    assert trained.returncode == 0 and trained.stderr == ""
    *progress, done = trained.events
    assert done == {"event": "done", "outDir": str(trained.out.absolute())}
    assert progress and all(set(e) == {"event", "stage", "fraction", "message"} for e in progress)
    assert all(e["event"] == "progress" and e["message"] for e in progress)
    stages = [e["stage"] for e in progress]
    assert [s for s in STAGES if s in stages] == list(dict.fromkeys(stages)) == list(STAGES)  # all, in order
    fractions = [e["fraction"] for e in progress]
    assert fractions == sorted(fractions) and 0 <= fractions[0] and fractions[-1] <= 1
    assert sorted(p.name for p in trained.out.iterdir()) == ["metadata.json", "model.onnx", "prototype.json"]


def test_rerun_on_complete_outdir_does_not_retrain(tmp_path, trained, datasets):
    before = {p.name: p.stat().st_mtime_ns for p in trained.out.iterdir()}
    again = run_cli(tmp_path, make_request("binary", "random_forest"), datasets["binary"], out=trained.out)
    assert again.returncode == 0
    assert again.events[-1] == {"event": "done", "outDir": str(trained.out.absolute())}
    assert "fit" not in {e.get("stage") for e in again.events}
    assert {p.name: p.stat().st_mtime_ns for p in trained.out.iterdir()} == before


def test_same_request_data_and_seed_give_byte_identical_model(tmp_path, trained, datasets):
    # A second interpreter has a different hash seed, which is what used to
    # reorder skl2onnx's opset imports.
    second = run_cli(tmp_path, make_request("binary", "random_forest"), datasets["binary"], out=tmp_path / "second")
    assert second.returncode == 0
    assert (second.out / "model.onnx").read_bytes() == (trained.out / "model.onnx").read_bytes()


def test_library_prints_are_kept_off_stdout(tmp_path, datasets):
    # verbose=1 makes GradientBoosting print its progress table to stdout.
    request = make_request("regression", "gradient_boosting")
    request["estimator"]["params"]["verbose"] = 1
    result = run_cli(tmp_path, request, datasets["regression"])
    assert result.returncode == 0
    assert all(json.loads(line)["event"] in ("progress", "done") for line in result.stdout.splitlines())
    assert "Iter" in result.stderr  # diverted, not lost


def _binary_csv(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path


def _binary_frame(datasets) -> pd.DataFrame:
    return pd.read_csv(datasets["binary"], dtype=str, keep_default_na=False)


def case_invalid_json(tmp_path, datasets):
    path = tmp_path / "request.json"
    path.write_text('{"schemaVersion": 1,', encoding="utf-8")
    return path, datasets["binary"]


def case_unknown_field(tmp_path, datasets):
    return make_request("binary", "random_forest", owner="me"), datasets["binary"]


def case_unknown_param(tmp_path, datasets):
    request = make_request("binary", "random_forest")
    request["estimator"]["params"] = {"n_trees": 10}
    return request, datasets["binary"]


def case_estimator_task_mismatch(tmp_path, datasets):
    request = make_request("regression", "ridge")
    request["estimator"] = {"name": "logistic_regression", "params": {}}
    return request, datasets["regression"]


def case_missing_feature_column(tmp_path, datasets):
    return make_request("binary", "random_forest"), _binary_csv(tmp_path, _binary_frame(datasets).drop(columns="mean_area"))


def case_missing_target_column(tmp_path, datasets):
    return make_request("binary", "random_forest"), _binary_csv(tmp_path, _binary_frame(datasets).drop(columns="target"))


def case_empty_file(tmp_path, datasets):
    path = tmp_path / "data.csv"
    path.write_bytes(b"")
    return make_request("binary", "random_forest"), path


def case_header_only(tmp_path, datasets):
    return make_request("binary", "random_forest"), _binary_csv(tmp_path, _binary_frame(datasets).head(0))


def case_too_few_rows(tmp_path, datasets):
    return make_request("binary", "random_forest"), _binary_csv(tmp_path, _binary_frame(datasets).head(19))


def case_too_few_validation_rows(tmp_path, datasets):
    frame = _binary_frame(datasets).head(24)  # 24 * 0.2 -> 5 rows would pass; 0.15 -> 4 does not
    return make_request("binary", "random_forest", validation={"policy": "random", "fraction": 0.15}), _binary_csv(tmp_path, frame)


def case_single_class_target(tmp_path, datasets):
    frame = _binary_frame(datasets)
    return make_request("binary", "random_forest"), _binary_csv(tmp_path, frame[frame.target == "1"])


def case_non_numeric_values(tmp_path, datasets):
    frame = _binary_frame(datasets)
    frame.loc[[2, 6], "mean_texture"] = ["abc", "n/a"]  # data rows 3 and 7
    return make_request("binary", "random_forest"), _binary_csv(tmp_path, frame)


def case_target_missing_values(tmp_path, datasets):
    frame = _binary_frame(datasets)
    frame.loc[4, "target"] = ""  # data row 5
    return make_request("binary", "random_forest"), _binary_csv(tmp_path, frame)


def case_missing_file(tmp_path, datasets):
    return make_request("binary", "random_forest"), tmp_path / "nope.csv"


def case_corrupt_parquet(tmp_path, datasets):
    path = tmp_path / "data.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    return make_request("binary", "random_forest"), path


def case_unsupported_extension(tmp_path, datasets):
    path = tmp_path / "data.xlsx"
    path.write_bytes(datasets["binary"].read_bytes())
    return make_request("binary", "random_forest"), path


def case_too_many_classes(tmp_path, datasets):
    request = make_request("multiclass", "random_forest")
    request["task"] = "binary"
    return request, datasets["multiclass"]


def case_class_too_small(tmp_path, datasets):
    frame = pd.read_csv(datasets["multiclass"])
    frame.loc[0, "species"] = "hybrid"
    return make_request("multiclass", "random_forest"), _binary_csv(tmp_path, frame)


def case_invalid_target_values(tmp_path, datasets):
    frame = pd.read_csv(datasets["binary"])
    frame["target"] = frame["target"].astype(float)
    frame.loc[9, "target"] = 0.5  # data row 10
    path = tmp_path / "data.parquet"
    frame.to_parquet(path)
    return make_request("binary", "random_forest"), path


def case_empty_column(tmp_path, datasets):
    frame = _binary_frame(datasets)
    frame["mean_area"] = ""
    return make_request("binary", "random_forest"), _binary_csv(tmp_path, frame)


def case_unloadable_model(tmp_path, datasets):
    # skl2onnx emits base_values of the wrong size for a multiclass
    # GradientBoostingClassifier without an init estimator; onnxruntime refuses it.
    request = make_request("multiclass", "gradient_boosting")
    request["estimator"]["params"] = {"n_estimators": 5, "init": "zero"}
    return request, datasets["multiclass"]


def case_parity_failure(tmp_path, datasets):
    # skl2onnx's HistGradientBoostingRegressor converter leaves out the exp()
    # link of the Poisson loss, so the ONNX outputs are log-scale.
    request = make_request("regression", "hist_gradient_boosting")
    request["estimator"]["params"] = {"max_iter": 10, "loss": "poisson"}
    return request, datasets["regression"]


ERROR_CASES = [
    # builder, exit code, class, code, context key, context value, message fragment
    (case_invalid_json, 2, "invalid_request", "invalid_json", None, None, "not valid JSON"),
    (case_unknown_field, 2, "invalid_request", "unknown_field", "field", "owner", '"owner"'),
    (case_unknown_param, 2, "invalid_request", "unknown_param", "field", "estimator.params.n_trees", '"n_trees"'),
    (case_estimator_task_mismatch, 2, "invalid_request", "estimator_task_mismatch", "field", "estimator.name", "regression"),
    (case_missing_feature_column, 3, "data_error", "missing_column", "column", "mean_area",
     'training data has no column "mean_area" (feature \'mean_area\', kind numeric); columns present: mean_radius, mean_texture, mean_smoothness'),
    (case_missing_target_column, 3, "data_error", "missing_column", "column", "target", 'no column "target" (the target)'),
    (case_empty_file, 3, "data_error", "empty_file", None, None, "is empty"),
    (case_header_only, 3, "data_error", "empty_file", None, None, "no data rows"),
    (case_too_few_rows, 3, "data_error", "too_few_rows", None, None, "19 rows; at least 20"),
    (case_too_few_validation_rows, 3, "data_error", "too_few_rows", None, None, "leaves 4 validation rows"),
    (case_single_class_target, 3, "data_error", "single_class_target", "column", "target", 'target column "target" has a single class'),
    (case_non_numeric_values, 3, "data_error", "non_numeric_values", "column", "mean_texture", 'row 3: "abc", row 7: "n/a"'),
    (case_target_missing_values, 3, "data_error", "target_missing_values", "column", "target", "empty in 1 row: 5"),
    (case_missing_file, 3, "data_error", "unreadable_file", None, None, "nope.csv"),
    (case_corrupt_parquet, 3, "data_error", "unreadable_file", None, None, "as Parquet"),
    (case_unsupported_extension, 3, "data_error", "unsupported_format", None, None, "'.xlsx'"),
    (case_too_many_classes, 3, "data_error", "too_many_classes", "column", "species", "task is binary"),
    (case_class_too_small, 3, "data_error", "class_too_small", "column", "species", '"hybrid"'),
    (case_invalid_target_values, 3, "data_error", "invalid_target_values", "column", "target", "row 10: 0.5"),
    (case_empty_column, 3, "data_error", "empty_column", "column", "mean_area", 'column "mean_area" has no values'),
    (case_unloadable_model, 4, "conversion_error", "runtime_rejected", None, None, "GradientBoostingClassifier"),
    (case_parity_failure, 5, "parity_error", "parity_mismatch", None, None, "worst: row "),
]


@pytest.fixture(scope="module")
def error_runs(tmp_path_factory, datasets):
    """All error cases, run two at a time: each is a fresh interpreter that
    mostly waits on imports, and the suite has a time budget."""

    def run(build):
        tmp = tmp_path_factory.mktemp(build.__name__)
        try:
            request, data = build(tmp, datasets)
            return tmp, run_cli(tmp, request, data)  # asserts: stdout JSON lines, stderr one JSON line
        except Exception as exc:  # reported by the test of this case
            return tmp, exc

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip((c[0] for c in ERROR_CASES), pool.map(run, (c[0] for c in ERROR_CASES))))


@pytest.mark.parametrize(
    "build,exit_code,error_class,code,key,value,fragment", ERROR_CASES, ids=[c[0].__name__[5:] for c in ERROR_CASES]
)
def test_failure_reports_one_json_error_with_its_exit_code(
    error_runs, build, exit_code, error_class, code, key, value, fragment
):
    tmp_path, result = error_runs[build]
    if isinstance(result, Exception):
        raise result
    assert (result.returncode, result.error["class"], result.error["code"]) == (exit_code, error_class, code), result.error
    if key is not None:
        assert result.error[key] == value
    assert fragment in result.error["message"]
    assert not result.out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.tmp-")]  # staging removed
    assert all(e["event"] == "progress" for e in result.events)  # no done event


def test_data_error_rows_are_listed_in_context(error_runs):
    _, result = error_runs[case_non_numeric_values]
    assert result.error["rows"] == [3, 7]


def test_parity_error_names_worst_rows_with_both_values(error_runs, datasets):
    _, result = error_runs[case_parity_failure]
    rows = result.error["rows"]
    assert 1 <= len(rows) <= 5
    frame = pd.read_csv(datasets["regression"])
    assert all(set(r) == {"row", "sklearn", "onnx", "absDiff"} for r in rows)
    assert all(1 <= r["row"] <= len(frame) for r in rows)
    assert [r["absDiff"] for r in rows] == sorted((r["absDiff"] for r in rows), reverse=True)
    assert all(r["absDiff"] == pytest.approx(abs(r["sklearn"] - r["onnx"])) for r in rows)
    assert f"row {rows[0]['row']}:" in result.error["message"]


def test_bad_arguments_are_an_invalid_request(tmp_path):
    result = run_cli(tmp_path, {}, tmp_path / "x.csv", extra_args=["--request", "r.json"])
    assert (result.returncode, result.error["class"], result.error["code"]) == (2, "invalid_request", "invalid_arguments")
    assert "--data" in result.error["message"]


def test_unexpected_failure_is_internal_error_with_exception_type(tmp_path, datasets):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the output's parent directory should be")
    result = run_cli(tmp_path, make_request("binary", "logistic_regression"), datasets["binary"], out=blocker / "out")
    assert (result.returncode, result.error["class"], result.error["code"]) == (1, "internal_error", "unexpected")
    assert result.error["message"].startswith(("FileExistsError:", "NotADirectoryError:"))
    assert "Traceback" in result.error["traceback"]


def test_non_empty_outdir_without_marker_is_refused_untouched(tmp_path, datasets):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    result = run_cli(tmp_path, make_request("binary", "logistic_regression"), datasets["binary"], out=out)
    assert (result.returncode, result.error["code"]) == (2, "out_dir_not_empty")
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_long_fit_keeps_heartbeating_and_sigterm_kills_it_at_once(tmp_path, datasets):
    request = make_request("binary", "random_forest")
    request["estimator"]["params"] = {"n_estimators": 5000}  # far longer than this test waits
    req = write_json(tmp_path / "request.json", request)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "driftloop_trainer", "--request", str(req), "--data", str(datasets["binary"]), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DRIFTLOOP_HEARTBEAT_SECONDS": "0.2"},
    )
    try:
        fit_events = []
        for line in proc.stdout:
            event = json.loads(line)
            if event.get("stage") == "fit":
                fit_events.append(event)
                if len(fit_events) == 3:
                    break
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        waited = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert [e["message"].endswith("s elapsed)") for e in fit_events] == [False, True, True]
    assert proc.returncode == -signal.SIGTERM and waited < 2.0
    assert not out.exists()


def test_a_trainer_whose_reader_dies_mid_fit_exits_at_its_next_progress_line(tmp_path, datasets):
    # The worker that started it was SIGKILLed: the stdout pipe has no reader any more.
    request = make_request("binary", "random_forest")
    request["estimator"]["params"] = {"n_estimators": 5000}  # far longer than this test waits
    req = write_json(tmp_path / "request.json", request)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "driftloop_trainer", "--request", str(req), "--data", str(datasets["binary"]), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "DRIFTLOOP_HEARTBEAT_SECONDS": "0.2"},
        start_new_session=True,  # its own process group, as the local runner starts it
    )
    try:
        for line in proc.stdout:
            if json.loads(line).get("stage") == "fit":
                break
        closed = time.monotonic()
        proc.stdout.close()
        proc.wait(timeout=30)
        waited = time.monotonic() - closed
    finally:
        if proc.poll() is None:
            proc.kill()
    # Killed by its own SIGKILL to its process group (it leads it), within a heartbeat or two of the fit.
    assert proc.returncode == -signal.SIGKILL and waited < 2.0
    assert not out.exists()
