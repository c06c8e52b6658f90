"""Progress events: one JSON object per line on the event stream (stdout).

The caller turns each line into a Temporal heartbeat, so a long ``fit`` must
keep producing lines: ``ticking`` repeats the current stage from a background
thread until the block ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from typing import IO, Iterator

STAGES = ("load", "validate", "search", "fit", "convert", "parity", "write")


class Progress:
    def __init__(self, stream: IO[str], heartbeat_seconds: float = 5.0) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.heartbeat_seconds = heartbeat_seconds

    def _write(self, event: dict) -> None:
        line = json.dumps(event, ensure_ascii=False, allow_nan=False)
        with self._lock:
            try:
                self._stream.write(line + "\n")
                self._stream.flush()
            except BrokenPipeError:
                _orphaned()

    def emit(self, stage: str, fraction: float, message: str) -> None:
        assert stage in STAGES, stage
        self._write({"event": "progress", "stage": stage, "fraction": round(min(max(fraction, 0.0), 1.0), 4), "message": message})

    def done(self, out_dir: str) -> None:
        self._write({"event": "done", "outDir": out_dir})

    @contextlib.contextmanager
    def ticking(self, stage: str, fraction: float, message: str) -> Iterator[None]:
        self.emit(stage, fraction, message)
        stop = threading.Event()
        started = time.monotonic()

        def beat() -> None:
            while not stop.wait(self.heartbeat_seconds):
                self.emit(stage, fraction, f"{message} ({time.monotonic() - started:.0f}s elapsed)")

        thread = threading.Thread(target=beat, name="driftloop-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


# Exit status when the reader of the event stream is gone (no one reads it).
EXIT_ORPHANED = 141  # 128 + SIGPIPE, as a shell reports a process killed by a broken pipe


def _orphaned() -> None:
    """The reader of the event stream is gone: the worker that started this
    run was killed without cancelling it (SIGKILL runs no cleanup). Nobody will
    collect the result and the activity's retry trains again, so stop at once —
    from whichever thread noticed (during a long ``fit`` it is the ticker, and
    an exception there would end only that thread). Leading its own process
    group (the local runner starts it so), the trainer takes its joblib
    workers with it."""
    if os.getpgrp() == os.getpid():
        os.killpg(os.getpgrp(), signal.SIGKILL)
    os._exit(EXIT_ORPHANED)
