"""What ships: the Dockerfile installs exactly requirements.txt (the file the
venv is built from), runs as a non-root user with the documented entrypoint;
the package carries its JSON Schema; the venv holds exactly the pins.

There is no Docker engine here, so the Dockerfile is parsed, not built."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path

TRAINER = Path(__file__).resolve().parents[1]


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    out, pending = [], ""
    for raw in (TRAINER / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, rest = line.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


def _all(keyword: str) -> list[str]:
    return [rest for kw, rest in _instructions() if kw == keyword]


def _pip_installs() -> list[list[str]]:
    """The argument lists of every `pip install` in RUN instructions."""
    installs = []
    for run in _all("RUN"):
        for command in re.split(r"&&|;", run):
            words = shlex.split(command)
            if words[:2] == ["pip", "install"] or words[:4] == ["python", "-m", "pip", "install"]:
                installs.append(words[words.index("install") + 1 :])
    return installs


def _requirements() -> dict[str, str]:
    pins = {}
    for line in (TRAINER / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"requirements.txt must pin exact versions: {line!r}"
            pins[name.strip().lower()] = version.strip()
    return pins


def test_base_images_are_a_pinned_slim_python_matching_the_venv_in_two_stages():
    stages = _all("FROM")
    assert [f.split()[-1] for f in stages] == ["build", "runtime"], stages
    for base in stages:
        match = re.fullmatch(r"python:(\d+)\.(\d+)\.(\d+)-slim-([a-z]+) AS [a-z]+", base)
        assert match, f"FROM must pin python:X.Y.Z-slim-<debian>, got {base!r}"
        assert (int(match[1]), int(match[2])) == sys.version_info[:2]
    assert len({f.split()[0] for f in stages}) == 1, "both stages on the same base"
    # The runtime stage gets the build stage's venv and nothing else from it.
    assert [c for c in _all("COPY") if c.startswith("--from=")] == ["--from=build /opt/venv /opt/venv"]


def test_worker_has_a_healthcheck_on_its_metrics_port_and_train_runs_pass_it():
    (check,) = _all("HEALTHCHECK")
    argv = json.loads(check[check.index("CMD ") + 4 :])
    assert argv[:2] == ["python", "-c"]
    assert "http://127.0.0.1:9465/metrics" in argv[2]
    assert any(env.startswith("DRIFTLOOP_TRAINER_METRICS_ADDRESS=0.0.0.0:9465") for env in _all("ENV"))
    # Not the worker (this pytest process stands in for PID 1's command line): healthy without a port.
    code = argv[2].replace("/proc/1/cmdline", "/proc/self/cmdline")
    assert subprocess.run([sys.executable, "-c", code], timeout=30).returncode == 0


def test_dockerfile_installs_exactly_requirements_txt():
    copies = dict(reversed(shlex.split(args)) for args in _all("COPY") if len(shlex.split(args)) == 2)
    target = next(dest for dest, src in copies.items() if src == "requirements.txt")
    installs = _pip_installs()
    # The requirements, by -r, from the copied trainer/requirements.txt, without a cache.
    (requirements,) = [args for args in installs if "-r" in args]
    assert requirements[requirements.index("-r") + 1] == target and "--no-cache-dir" in requirements
    # The package: non-editable, adding no dependency of its own.
    (package,) = [args for args in installs if "-r" not in args]
    assert "--no-deps" in package and "-e" not in package and "--editable" not in package
    assert "--no-cache-dir" in package
    assert installs.index(requirements) < installs.index(package)
    # Nothing else is installed by name: only the directory pyproject.toml was copied to.
    package_dir = str(Path(next(dest for dest, src in copies.items() if src == "pyproject.toml")).parent)
    assert [a for a in package if not a.startswith("-")] == [package_dir]


def test_copied_files_exist_and_are_not_excluded_by_dockerignore():
    ignore = [line.strip() for line in (TRAINER / ".dockerignore").read_text().splitlines()
              if line.strip() and not line.startswith("#")]

    def included(path: str) -> bool:
        keep = True
        for pattern in ignore:
            negated = pattern.startswith("!")
            if fnmatch.fnmatch(path, pattern.lstrip("!").rstrip("/")):
                keep = negated
        return keep

    for args in _all("COPY"):
        if args.startswith("--from="):
            continue  # from the build stage, not the context
        source = shlex.split(args)[0]
        assert (TRAINER / source).exists(), source
        assert included(source), f"{source} is excluded from the build context by .dockerignore"
    assert (TRAINER / "driftloop_trainer" / "train_request.schema.json").is_file()


def test_runs_as_a_non_root_user_with_the_worker_entrypoint():
    instructions = _instructions()
    keywords = [kw for kw, _ in instructions]
    users = _all("USER")
    assert users, "the image must switch to a non-root USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert any("useradd" in run and user in run for run in _all("RUN"))
    assert keywords.index("USER") < keywords.index("ENTRYPOINT")
    assert json.loads(_all("ENTRYPOINT")[-1]) == ["python", "-m", "driftloop_trainer"]
    assert json.loads(_all("CMD")[-1]) == ["worker"]
    assert _all("WORKDIR")
    assert any(re.search(r"\bDRIFTLOOP_USER_CODE=/user-code\b", env) for env in _all("ENV"))


def test_venv_has_exactly_the_pinned_versions_and_pyproject_names_them():
    pins = _requirements()
    installed = {name: metadata.version(name) for name in pins}
    assert installed == pins
    assert pins["temporalio"] == "1.35.0" and "jsonschema" in pins and "scipy" in pins
    pyproject = (TRAINER / "pyproject.toml").read_text()
    deps = re.search(r"dependencies = \[(.*?)\]", pyproject, re.S)[1]
    declared = {d.strip().strip('"').lower() for d in deps.split(",") if d.strip()}
    assert declared == set(pins) - {"protobuf"}  # protobuf is pinned only as a transitive constraint


def test_the_built_package_carries_the_json_schema_and_validates_with_it(tmp_path):
    # setuptools' build_py step assembles exactly what goes into the wheel
    # (modules plus package data); run it on a copy so the source tree gets
    # no build/ or egg-info, then import the built, non-editable package.
    source = tmp_path / "src"
    (source / "driftloop_trainer").mkdir(parents=True)
    (source / "pyproject.toml").write_text((TRAINER / "pyproject.toml").read_text())
    for path in (TRAINER / "driftloop_trainer").iterdir():
        if path.is_file():
            (source / "driftloop_trainer" / path.name).write_bytes(path.read_bytes())
    target = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-c", "import setuptools; setuptools.setup()", "build_py", "--build-lib", str(target)],
        cwd=source, capture_output=True, text=True, timeout=120,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    assert (target / "driftloop_trainer" / "train_request.schema.json").is_file()

    probe = (
        "import driftloop_trainer; from driftloop_trainer.request import schema; "
        "print(driftloop_trainer.__file__); print(schema()['$id'])"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    proc = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    where, schema_id = proc.stdout.split()
    assert Path(where).is_relative_to(target)
    assert schema_id == "https://driftloop.dev/schemas/train-request.schema.json"
