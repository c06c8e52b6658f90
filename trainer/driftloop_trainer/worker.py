"""Temporal worker mode (the ``temporal`` runner): one activity, "train".

``python -m driftloop_trainer worker`` polls a task queue for the activity
``train``, whose input is one JSON object

    {"request": <TrainRequest>, "dataPath": "...", "outDir": "..."}

and whose result is ``{"outDir": "<absolute path>", "trained": true|false}``
(false: ``outDir/metadata.json`` already existed, nothing was run).

The activity writes the request to ``<outDir's parent>/request.json`` and runs
the trainer CLI (``python -m driftloop_trainer train ...``) as a subprocess in
its own process group, so the whole training can be killed at once:

- every JSON progress line of the trainer becomes a heartbeat whose details
  are that progress dict; while the trainer is silent the last one is
  repeated every ``heartbeat_seconds`` (4 s, so never more than 5 s apart),
  because cancellation reaches an activity only through its heartbeats;
- on cancellation (``asyncio.CancelledError``) the process group gets SIGTERM,
  then SIGKILL after 5 s, and the cancellation is re-raised; on worker
  shutdown the same kill happens and the activity fails with a *retryable*
  error (code ``worker_shutdown``) so that another worker takes it over;
- a failed trainer becomes ``ApplicationError(message, details, type="TrainerError")``
  with one details dict ``{"errorClass", "code", ...context}`` (context as in
  the trainer's error line: field, column, columns, rows, ...). It is
  non-retryable for invalid_request, data_error, conversion_error and
  parity_error (the same input fails the same way), retryable for
  internal_error and for a trainer killed by a signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import signal
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from .connection import TlsFlags, connect_options, describe
from .output import MARKER

ACTIVITY_NAME = "train"
ERROR_TYPE = "TrainerError"
NON_RETRYABLE = frozenset({"invalid_request", "data_error", "conversion_error", "parity_error"})
INPUT_KEYS = ("request", "dataPath", "outDir")
DEFAULT_ADDRESS = "localhost:7233"
DEFAULT_NAMESPACE = "default"
DEFAULT_TASK_QUEUE = "driftloop-trainer"
STDERR_TAIL_BYTES = 1 << 20
LINE_LIMIT = 16 << 20

log = logging.getLogger("driftloop_trainer.worker")


def _fail(error_class: str, code: str, message: str, **context: Any) -> ApplicationError:
    return ApplicationError(
        message,
        {"errorClass": error_class, "code": code, **context},
        type=ERROR_TYPE,
        non_retryable=error_class in NON_RETRYABLE,
    )


def _check_input(value: Any) -> tuple[dict[str, Any], str, Path]:
    if not isinstance(value, dict):
        raise _fail(
            "invalid_request", "invalid_activity_input",
            f'activity "{ACTIVITY_NAME}" takes one object {{"request", "dataPath", "outDir"}}; got {type(value).__name__}',
        )
    unknown = sorted(set(value) - set(INPUT_KEYS))
    missing = [k for k in INPUT_KEYS if k not in value]
    if unknown or missing:
        raise _fail(
            "invalid_request", "invalid_activity_input",
            f'activity "{ACTIVITY_NAME}" input must have exactly the keys {", ".join(INPUT_KEYS)}'
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
            field=(missing or unknown)[0],
        )
    request, data_path, out_dir = value["request"], value["dataPath"], value["outDir"]
    for key, item, kind in (("request", request, dict), ("dataPath", data_path, str), ("outDir", out_dir, str)):
        if not isinstance(item, kind) or (kind is str and not item):
            raise _fail(
                "invalid_request", "invalid_activity_input",
                f'activity input "{key}" must be a {"JSON object" if kind is dict else "non-empty string"}',
                field=key,
            )
    return request, data_path, Path(out_dir).absolute()


def _write_request(path: Path, request: dict[str, Any]) -> None:
    """Atomically, so a reader never sees half a request."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".request.", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(request, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _killpg(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class TrainActivity:
    """The "train" activity. Options exist for tests; the worker uses the defaults."""

    def __init__(
        self,
        *,
        heartbeat_seconds: float = 4.0,
        kill_grace_seconds: float = 5.0,
        python: str = sys.executable,
        env: dict[str, str] | None = None,
    ) -> None:
        self.heartbeat_seconds = heartbeat_seconds
        self.kill_grace_seconds = kill_grace_seconds
        self.python = python
        self.env = env

    @activity.defn(name=ACTIVITY_NAME)
    async def train(self, input: dict[str, Any]) -> dict[str, Any]:
        request, data_path, out_dir = _check_input(input)
        if (out_dir / MARKER).is_file():
            activity.logger.info("%s is already complete; not retraining", out_dir)
            return {"outDir": str(out_dir), "trained": False}
        request_file = out_dir.parent / "request.json"
        _write_request(request_file, request)
        args = [self.python, "-m", "driftloop_trainer", "train",
                "--request", str(request_file), "--data", data_path, "--out", str(out_dir)]
        run = _Run(self, args)
        await run.start()
        try:
            returncode = await run.wait()
        except asyncio.CancelledError:
            activity.logger.info("training cancelled; killing trainer process group %d", run.pid)
            await run.terminate()
            raise
        except BaseException:
            await run.terminate()
            raise
        return run.result(returncode, out_dir)


class _Run:
    """One trainer subprocess and the tasks that read it."""

    def __init__(self, owner: TrainActivity, args: list[str]) -> None:
        self.owner = owner
        self.args = args
        self.proc: asyncio.subprocess.Process | None = None
        self.last_progress: dict[str, Any] = {
            "event": "progress", "stage": "start", "fraction": 0.0, "message": "starting the trainer",
        }
        self.last_beat = 0.0
        self.done: dict[str, Any] | None = None
        self.stderr = bytearray()
        self.tasks: list[asyncio.Task[Any]] = []

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def beat(self, details: dict[str, Any]) -> None:
        self.last_progress = details
        self.last_beat = time.monotonic()
        activity.heartbeat(details)

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # its own process group: killed as a whole
            env=self.owner.env,
            limit=LINE_LIMIT,
        )
        activity.logger.info("trainer started (pid %d): %s", self.proc.pid, " ".join(self.args[1:]))
        self.beat(self.last_progress)
        self.tasks = [
            asyncio.create_task(self._read_stdout()),
            asyncio.create_task(self._read_stderr()),
            asyncio.create_task(self._tick()),
        ]

    async def _read_stdout(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for raw in self.proc.stdout:
            try:
                event = json.loads(raw)
            except ValueError:
                log.warning("trainer wrote a non-JSON line on stdout: %r", raw[:200])
                continue
            if isinstance(event, dict) and event.get("event") == "progress":
                self.beat(event)
            elif isinstance(event, dict) and event.get("event") == "done":
                self.done = event

    async def _read_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        while chunk := await self.proc.stderr.read(65536):
            self.stderr += chunk
            if len(self.stderr) > STDERR_TAIL_BYTES:
                del self.stderr[: len(self.stderr) - STDERR_TAIL_BYTES]

    async def _tick(self) -> None:
        every = self.owner.heartbeat_seconds
        while True:
            wait = self.last_beat + every - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            self.beat(self.last_progress)

    async def wait(self) -> int:
        """The trainer's exit code; raises a retryable error on worker shutdown."""
        assert self.proc is not None
        exited = asyncio.create_task(self.proc.wait())
        shutdown = asyncio.create_task(activity.wait_for_worker_shutdown())
        try:
            await asyncio.wait({exited, shutdown}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            shutdown.cancel()
            if not exited.done():
                exited.cancel()
        if not exited.done() or exited.cancelled():
            activity.logger.info("worker shutting down; killing trainer process group %d", self.pid)
            await self.terminate()
            raise _fail(
                "internal_error", "worker_shutdown",
                "the trainer worker shut down during training; the attempt is retried on another worker",
            )
        returncode = exited.result()
        # Anything the trainer left behind in its group would hold the pipes
        # open; then drain what the trainer wrote before it exited.
        _killpg(self.pid, signal.SIGKILL)
        self.tasks[-1].cancel()
        readers = asyncio.gather(*self.tasks[:2], return_exceptions=True)
        try:
            await asyncio.wait_for(readers, timeout=10)
        except asyncio.TimeoutError:
            log.warning("trainer output still open 10 s after it exited; continuing without the rest")
        return returncode

    async def terminate(self) -> None:
        """SIGTERM the process group, SIGKILL it after the grace period, reap."""
        for task in self.tasks:
            task.cancel()
        proc = self.proc
        if proc is None:
            return
        try:
            if proc.returncode is None:
                _killpg(proc.pid, signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), self.owner.kill_grace_seconds)
                except asyncio.TimeoutError:
                    _killpg(proc.pid, signal.SIGKILL)
                    await proc.wait()
        finally:
            # Whatever else is left in the group (children of the trainer),
            # and the trainer itself if this coroutine was cancelled again.
            _killpg(proc.pid, signal.SIGKILL)

    def result(self, returncode: int, out_dir: Path) -> dict[str, Any]:
        if returncode == 0:
            out = self.done.get("outDir") if self.done else None
            return {"outDir": str(out or out_dir), "trained": True}
        if returncode < 0:
            try:
                name = signal.Signals(-returncode).name
            except ValueError:
                name = str(-returncode)
            raise _fail(
                "internal_error", "killed",
                f"the trainer process was killed by signal {name}", signal=name, stderr=self._tail(),
            )
        error = self._error_line()
        if error is None:
            raise _fail(
                "internal_error", "no_error_report",
                f"the trainer exited with code {returncode} without an error report", exitCode=returncode,
                stderr=self._tail(),
            )
        context = {k: v for k, v in error.items() if k not in ("class", "code", "message")}
        error_class = str(error.get("class", "internal_error"))
        activity.logger.info("training failed: %s/%s: %s", error_class, error.get("code"), error.get("message"))
        raise _fail(
            error_class, str(error.get("code", "unknown")), str(error.get("message", "")), exitCode=returncode, **context
        )

    def _error_line(self) -> dict[str, Any] | None:
        for line in reversed(bytes(self.stderr).splitlines()):
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
                return doc["error"]
        return None

    def _tail(self, limit: int = 2000) -> str:
        return bytes(self.stderr[-limit:]).decode("utf-8", "replace")


# --- The worker process --------------------------------------------------------------


def settings(address: str | None, namespace: str | None, task_queue: str | None) -> tuple[str, str, str]:
    """Flags win over the environment, the environment over the defaults."""
    return (
        address or os.environ.get("TEMPORAL_ADDRESS") or DEFAULT_ADDRESS,
        namespace or os.environ.get("TEMPORAL_NAMESPACE") or DEFAULT_NAMESPACE,
        task_queue or os.environ.get("DRIFTLOOP_TRAINER_TASK_QUEUE") or DEFAULT_TASK_QUEUE,
    )


METRICS_ENV = "DRIFTLOOP_TRAINER_METRICS_ADDRESS"
_METRICS_ADDRESS = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):(\d{1,5})$")


def metrics_runtime(address: str | None):
    """A Temporal runtime whose core serves the SDK's metrics (temporal_*) for
    Prometheus at http://ADDRESS/metrics, when DRIFTLOOP_TRAINER_METRICS_ADDRESS
    is set (host:port); None (the default runtime, no port opened) otherwise.
    Checked here because the core reports a bad address only as a panic."""
    from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

    from .errors import InvalidRequest

    address = (address or "").strip()
    if not address:
        return None
    match = _METRICS_ADDRESS.match(address)
    if not match or not 1 <= int(match[1]) <= 65535:
        raise InvalidRequest("invalid_metrics_address", f"{METRICS_ENV} must be host:port (e.g. 0.0.0.0:9465), not {address!r}")
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))


async def run_worker(
    address: str, namespace: str, task_queue: str, max_concurrent: int, tls_flags: TlsFlags = TlsFlags()
) -> None:
    from temporalio.client import Client
    from temporalio.worker import Worker

    from .errors import InternalError

    runtime = metrics_runtime(os.environ.get(METRICS_ENV))
    connection = connect_options(os.environ, tls_flags)
    try:
        client = await Client.connect(
            address, namespace=namespace, **connection, **({"runtime": runtime} if runtime else {})
        )
    except Exception as exc:
        raise InternalError(
            "temporal_unavailable",
            f"cannot connect to Temporal at {address} (namespace {namespace!r}, {describe(connection)}): {exc}",
        ) from exc
    train = TrainActivity()
    worker = Worker(
        client,
        task_queue=task_queue,
        activities=[train.train],
        max_concurrent_activities=max_concurrent,
        # Longer than the activity's SIGTERM→SIGKILL grace, so that it can
        # kill its trainer and report a retryable failure before the worker
        # cancels it.
        graceful_shutdown_timeout=timedelta(seconds=train.kill_grace_seconds + 5),
        # A cancellation reaches the activity only in the answer to a
        # heartbeat the SDK forwards to the server; the SDK forwards at most
        # one per 0.8 x heartbeat timeout (capped at 60 s by default). 5 s
        # bounds how long a cancelled training keeps running.
        max_heartbeat_throttle_interval=timedelta(seconds=5),
        default_heartbeat_throttle_interval=timedelta(seconds=5),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info(
        'trainer worker polling task queue "%s" on %s (namespace "%s", %s), activity "%s", at most %d at a time',
        task_queue, address, namespace, describe(connection), ACTIVITY_NAME, max_concurrent,
    )
    async with worker:
        await stop.wait()
        log.info("shutting down: running trainings are killed and reported as retryable")
    log.info("worker stopped")


def main(
    address: str | None,
    namespace: str | None,
    task_queue: str | None,
    max_concurrent: int,
    tls_flags: TlsFlags = TlsFlags(),
) -> None:
    level = os.environ.get("DRIFTLOOP_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=level if isinstance(logging.getLevelName(level), int) else "INFO",
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    asyncio.run(run_worker(*settings(address, namespace, task_queue), max_concurrent, tls_flags))


def default_max_concurrent() -> int:
    try:
        return max(1, int(os.environ.get("DRIFTLOOP_TRAINER_MAX_CONCURRENT", "1")))
    except ValueError:
        return 1

