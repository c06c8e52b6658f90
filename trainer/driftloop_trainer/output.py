"""Publishing OUTDIR atomically.

Files are written into a hidden sibling temp dir and renamed into place, so
OUTDIR either does not exist or is complete; metadata.json is the completion
marker the idempotency check looks for.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from .errors import InvalidRequest

MARKER = "metadata.json"


def is_complete(out_dir: Path) -> bool:
    return (out_dir / MARKER).is_file()


def check_target(out_dir: Path) -> None:
    """Fail before training if OUTDIR could never be published."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidRequest("out_dir_conflict", f"output path {str(out_dir)!r} exists and is not a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise InvalidRequest(
            "out_dir_not_empty",
            f"output directory {str(out_dir)!r} exists, is not empty and has no {MARKER}; "
            "it is not a finished training run, so it is left alone",
        )


class Staging:
    """A temp dir next to OUTDIR; removed on exit unless published."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
        self._published = False

    def write(self, name: str, data: bytes) -> None:
        with open(self.path / name, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    def publish(self) -> bool:
        """Rename into place; False if a concurrent run published first."""
        _fsync_dir(self.path)
        try:
            # rename(2) replaces an empty directory atomically and refuses a
            # non-empty one, which is exactly the guard we want.
            os.rename(self.path, self.out_dir)
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST) and is_complete(self.out_dir):
                return False
            raise
        self._published = True
        _fsync_dir(self.out_dir.parent)
        return True

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._published:
            shutil.rmtree(self.path, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
