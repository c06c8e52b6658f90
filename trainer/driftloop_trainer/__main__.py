"""Command line: python -m driftloop_trainer --request REQ.json --data DATA --out OUTDIR

Process contract (the TypeScript activity depends on it):
- stdout carries JSON progress lines only, then {"event": "done", "outDir": ...}.
  Anything libraries print is diverted to stderr at the file-descriptor level.
- On failure, one JSON line {"error": {...}} on stderr and the exit code of its
  class: 2 invalid_request, 3 data_error, 4 conversion_error, 5 parity_error,
  1 internal_error.
- If OUTDIR/metadata.json exists the run is already done: report done, exit 0.
- SIGTERM and SIGINT kill the process at once (default actions, so a kill
  works even inside a long C call); OUTDIR appears only by an atomic rename, so
  a kill can leave at most a hidden ".OUTDIR.tmp-*" sibling, never a partial
  OUTDIR.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import traceback
import warnings
from pathlib import Path
from typing import IO, NoReturn, Sequence

from . import output
from .errors import InternalError, InvalidRequest, TrainerError
from .events import Progress


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise InvalidRequest("invalid_arguments", f"{message} (usage: {self.format_usage().strip()})")


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = _ArgumentParser(prog="python -m driftloop_trainer", description=__doc__.splitlines()[0])
    parser.add_argument("--request", required=True, help="training request JSON file")
    parser.add_argument("--data", required=True, help="training data (.csv, .parquet or .pq)")
    parser.add_argument("--out", required=True, help="output directory (created atomically)")
    return parser.parse_args(argv)


def _claim_stdout() -> IO[str]:
    """Keep the real stdout for events; point fd 1 (and so every print, C
    extension and child process) at stderr."""
    events_fd = os.dup(1)
    sys.stdout.flush()
    os.dup2(2, 1)
    return os.fdopen(events_fd, "w", encoding="utf-8", buffering=1)


def _report(error: TrainerError) -> None:
    sys.stderr.write(json.dumps(error.to_json(), ensure_ascii=False, default=str) + "\n")
    sys.stderr.flush()


def _heartbeat_seconds() -> float:
    """DRIFTLOOP_HEARTBEAT_SECONDS: how often a long stage repeats its
    progress line (default 5)."""
    try:
        value = float(os.environ.get("DRIFTLOOP_HEARTBEAT_SECONDS", "5"))
    except ValueError:
        return 5.0
    return value if value > 0 else 5.0


def main(argv: Sequence[str] | None = None) -> int:
    events = _claim_stdout()
    # Warnings (convergence, deprecations) would interleave with the one JSON
    # error line on stderr; the environment variable reaches joblib workers.
    warnings.simplefilter("ignore")
    os.environ["PYTHONWARNINGS"] = "ignore"
    # Without any handler, logging's last resort prints warnings to stderr.
    logging.getLogger().addHandler(logging.NullHandler())
    progress = Progress(events, heartbeat_seconds=_heartbeat_seconds())
    try:
        # Python turns SIGINT into KeyboardInterrupt, which is handled only
        # between bytecodes; the caller's cancel must work mid-fit too.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    except ValueError:
        pass  # not the main thread (embedded use)
    try:
        args = _parse_args(argv)
        out_dir = Path(args.out).absolute()
        if not output.is_complete(out_dir):
            from .train import run  # heavy imports only when there is work to do

            run(args.request, args.data, out_dir, progress)
        else:
            progress.emit("write", 1.0, f"{str(out_dir)!r} is already complete; not retraining")
        progress.done(str(out_dir))
        return 0
    except TrainerError as exc:
        _report(exc)
        return exc.exit_code
    except Exception as exc:
        _report(
            InternalError(
                "unexpected",
                f"{type(exc).__name__}: {exc}",
                traceback="".join(traceback.format_exception(exc)[-8:]),
            )
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
