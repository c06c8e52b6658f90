"""Command line: python -m driftloop_trainer COMMAND ...

  train   --request REQ.json --data DATA --out OUTDIR   (also without the word "train")
  inspect --data DATA --target COL [--drop a,b] [--time-column C]
  worker  [--address A] [--namespace N] [--task-queue Q] [--max-concurrent K]
          [--tls-cert F --tls-key F] [--tls-ca F] [--tls-server-name N]   (and TEMPORAL_API_KEY, TEMPORAL_TLS)

Process contract of train and inspect (the TypeScript side depends on it):
- stdout carries JSON only: for train, progress lines then {"event": "done",
  "outDir": ...}; for inspect, one JSON object. Anything libraries print is
  diverted to stderr at the file-descriptor level.
- On failure, one JSON line {"error": {...}} on stderr and the exit code of its
  class: 2 invalid_request, 3 data_error, 4 conversion_error, 5 parity_error,
  1 internal_error.
- train: if OUTDIR/metadata.json exists the run is already done: report done,
  exit 0.
- SIGTERM and SIGINT kill the process at once (default actions, so a kill
  works even inside a long C call); OUTDIR appears only by an atomic rename, so
  a kill can leave at most a hidden ".OUTDIR.tmp-*" sibling, never a partial
  OUTDIR.

worker runs the Temporal activity "train" (see ``worker``); it logs to stderr
and stops gracefully on SIGINT/SIGTERM.
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


COMMANDS = ("train", "inspect", "worker")


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        usage = " ".join(self.format_usage().split()).removeprefix("usage: ")
        raise InvalidRequest("invalid_arguments", f"{message} (usage: {usage})")


def _parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="python -m driftloop_trainer", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_ArgumentParser)

    train = commands.add_parser("train", help="fit, convert to ONNX, check parity, publish OUTDIR")
    train.add_argument("--request", required=True, help="training request JSON file")
    train.add_argument("--data", required=True, help="training data (.csv, .parquet or .pq)")
    train.add_argument("--out", required=True, help="output directory (created atomically)")

    inspect = commands.add_parser("inspect", help="infer the task and features of a data file (one JSON object)")
    inspect.add_argument("--data", required=True, help="data file (.csv, .parquet or .pq)")
    inspect.add_argument("--target", required=True, help="the target column")
    inspect.add_argument("--drop", default="", help="comma-separated columns that are not features")
    inspect.add_argument("--time-column", default=None, help="the column that orders rows (never a feature)")

    worker = commands.add_parser("worker", help="run the Temporal activity worker (activity \"train\")")
    worker.add_argument("--address", default=None, help="Temporal frontend (env TEMPORAL_ADDRESS, default localhost:7233)")
    worker.add_argument("--namespace", default=None, help="Temporal namespace (env TEMPORAL_NAMESPACE, default \"default\")")
    worker.add_argument(
        "--task-queue", default=None, help="task queue (env DRIFTLOOP_TRAINER_TASK_QUEUE, default driftloop-trainer)"
    )
    worker.add_argument(
        "--max-concurrent", type=int, default=None,
        help="trainings run at once (env DRIFTLOOP_TRAINER_MAX_CONCURRENT, default 1)",
    )
    # The same names as the driftloop CLI's (docs/cli.md). TLS turns on with any
    # of them or TEMPORAL_API_KEY; TEMPORAL_TLS=true|false forces it.
    worker.add_argument("--tls-cert", default=None, help="PEM client certificate for mutual TLS (env TEMPORAL_TLS_CLIENT_CERT_PATH)")
    worker.add_argument("--tls-key", default=None, help="PEM key of the client certificate (env TEMPORAL_TLS_CLIENT_KEY_PATH)")
    worker.add_argument("--tls-ca", default=None, help="PEM CA the server is verified against (env TEMPORAL_TLS_SERVER_CA_CERT_PATH)")
    worker.add_argument("--tls-server-name", default=None, help="server name for SNI and verification (env TEMPORAL_TLS_SERVER_NAME)")
    return parser


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    args = list(sys.argv[1:] if argv is None else argv)
    # The original flag-only form (--request ... --data ... --out ...) is train.
    if args and args[0].startswith("--") and args[0] not in ("--help",):
        args.insert(0, "train")
    return _parser().parse_args(args)


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
    try:
        args = _parse_args(argv)
    except TrainerError as exc:
        _report(exc)
        return exc.exit_code
    if args.command == "worker":
        return _worker(args)
    events = _claim_stdout()
    # Warnings (convergence, deprecations) would interleave with the one JSON
    # error line on stderr; the environment variable reaches joblib workers.
    warnings.simplefilter("ignore")
    os.environ["PYTHONWARNINGS"] = "ignore"
    # Without any handler, logging's last resort prints warnings to stderr.
    logging.getLogger().addHandler(logging.NullHandler())
    try:
        # Python turns SIGINT into KeyboardInterrupt, which is handled only
        # between bytecodes; the caller's cancel must work mid-fit too.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    except ValueError:
        pass  # not the main thread (embedded use)
    try:
        if args.command == "inspect":
            from .inspect_data import inspect

            drop = [c.strip() for c in args.drop.split(",") if c.strip()]
            result = inspect(args.data, args.target, drop, args.time_column)
            events.write(json.dumps(result, ensure_ascii=False, allow_nan=False) + "\n")
            events.flush()
            return 0
        progress = Progress(events, heartbeat_seconds=_heartbeat_seconds())
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


def _worker(args: argparse.Namespace) -> int:
    from . import worker
    from .connection import TlsFlags

    max_concurrent = args.max_concurrent if args.max_concurrent is not None else worker.default_max_concurrent()
    if max_concurrent < 1:
        _report(InvalidRequest("invalid_arguments", f"--max-concurrent must be at least 1; got {max_concurrent}"))
        return 2
    code = 0
    try:
        tls = TlsFlags(cert=args.tls_cert, key=args.tls_key, ca=args.tls_ca, server_name=args.tls_server_name)
        worker.main(args.address, args.namespace, args.task_queue, max_concurrent, tls)
    except TrainerError as exc:
        _report(exc)
        code = exc.exit_code
    except Exception as exc:
        _report(InternalError("unexpected", f"{type(exc).__name__}: {exc}", traceback="".join(traceback.format_exception(exc)[-8:])))
        code = 1
    # The worker has shut down (its trainings killed and reported). Skip the
    # interpreter's teardown: Temporal's Rust threads can still hold Python
    # thread states then and abort it ("PyGILState_Release ... must be
    # current", temporalio/sdk-python#300), which would turn a clean stop
    # into a crash exit code.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
