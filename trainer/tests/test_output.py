"""Publishing OUTDIR: all or nothing, and a concurrent finisher wins cleanly."""

from __future__ import annotations

import pytest

from driftloop_trainer import output
from driftloop_trainer.errors import InvalidRequest


def _staged(parent):
    return [p.name for p in parent.iterdir() if ".tmp-" in p.name]


def test_publish_renames_a_complete_directory_into_place(tmp_path):
    out = tmp_path / "runs" / "abc"
    with output.Staging(out) as staging:
        staging.write("model.onnx", b"onnx")
        assert not out.exists()  # nothing visible until publish
        staging.write(output.MARKER, b"{}")
        assert staging.publish() is True
    assert sorted(p.name for p in out.iterdir()) == ["metadata.json", "model.onnx"]
    assert output.is_complete(out) and _staged(out.parent) == []


def test_failure_before_publish_leaves_neither_outdir_nor_staging(tmp_path):
    out = tmp_path / "abc"
    with pytest.raises(RuntimeError):
        with output.Staging(out) as staging:
            staging.write("model.onnx", b"onnx")
            raise RuntimeError("crash mid-write")
    assert not out.exists() and _staged(tmp_path) == []


def test_losing_a_race_to_a_completed_outdir_is_not_an_error(tmp_path):
    out = tmp_path / "abc"
    with output.Staging(out) as first, output.Staging(out) as second:
        first.write(output.MARKER, b'{"run": 1}')
        second.write(output.MARKER, b'{"run": 2}')
        assert first.publish() is True
        assert second.publish() is False
    assert (out / output.MARKER).read_bytes() == b'{"run": 1}' and _staged(tmp_path) == []


def test_empty_outdir_is_replaced_but_foreign_content_is_refused(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    output.check_target(empty)  # an empty directory is fine: rename replaces it
    with output.Staging(empty) as staging:
        staging.write(output.MARKER, b"{}")
        assert staging.publish() is True
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    with pytest.raises(InvalidRequest) as info:
        output.check_target(busy)
    assert info.value.code == "out_dir_not_empty"
    file_target = tmp_path / "file"
    file_target.write_text("x")
    with pytest.raises(InvalidRequest) as info:
        output.check_target(file_target)
    assert info.value.code == "out_dir_conflict"
