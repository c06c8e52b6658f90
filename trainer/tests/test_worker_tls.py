"""The trainer worker's connection to Temporal over TLS and mutual TLS.

The dev server speaks plain gRPC only, so a TLS terminator (Python's ssl,
ALPN h2, client certificates required and verified against a test CA) sits in
front of it, as a load balancer or Temporal Cloud's front door would: the
worker's connection is real TLS end to end up to that hop."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import make_request
from driftloop_trainer.connection import TlsFlags, connect_options, describe
from driftloop_trainer.errors import InvalidRequest
from test_worker import TEMPORAL_CLI, TrainOnce, _input

SERVER_NAME = "temporal.driftloop.test"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    """A CA, a server certificate for SERVER_NAME and a client certificate, all signed by the CA."""
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=driftloop test CA",
             "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    for name, cn, ext in (
        ("server", SERVER_NAME, f"subjectAltName=DNS:{SERVER_NAME}"),
        ("client", "driftloop-trainer", "extendedKeyUsage=clientAuth"),
    ):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}", "-keyout", f"{name}.key",
                 "-out", f"{name}.csr", cwd=d)
        (d / f"{name}.ext").write_text(ext + "\n")
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=d)
    return d


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TlsTerminator:
    """Accepts TLS (client certificate required) on a free port and pipes the
    decrypted stream to a plain TCP upstream; records the client certificates' CNs."""

    def __init__(self, pki: Path, upstream_port: int) -> None:
        self.port = _free_port()
        self.client_cns: list[str] = []
        self.refused = 0
        self._upstream_port = upstream_port
        self._ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki / "ca.pem"))
        self._ctx.load_cert_chain(str(pki / "server.pem"), str(pki / "server.key"))
        self._ctx.verify_mode = ssl.CERT_REQUIRED
        self._ctx.set_alpn_protocols(["h2"])
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "TlsTerminator":
        self._thread.start()
        assert self._ready.wait(10), "the TLS terminator did not start"
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, ssl=self._ctx,
                                            ssl_handshake_timeout=10)
        self._ready.set()
        async with server:
            await self._stop.wait()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        cert = writer.get_extra_info("peercert")
        if not cert:
            self.refused += 1
            writer.close()
            return
        self.client_cns.append(dict(x[0] for x in cert["subject"])["commonName"])
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._upstream_port)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, ssl.SSLError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.fixture(scope="module")
def dev_server():
    assert TEMPORAL_CLI.exists(), f"{TEMPORAL_CLI} is missing: run scripts/setup.sh"
    port = _free_port()
    server = subprocess.Popen(
        [str(TEMPORAL_CLI), "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", str(port),
         "--log-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the Temporal dev server did not start"
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _tls_env(pki: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEMPORAL_")}
    return {
        **env,
        "TEMPORAL_ADDRESS": f"127.0.0.1:{port}",
        "TEMPORAL_TLS_CLIENT_CERT_PATH": str(pki / "client.pem"),
        "TEMPORAL_TLS_CLIENT_KEY_PATH": str(pki / "client.key"),
        "TEMPORAL_TLS_SERVER_CA_CERT_PATH": str(pki / "ca.pem"),
        "TEMPORAL_TLS_SERVER_NAME": SERVER_NAME,
    }


def _start_worker(env: dict[str, str]) -> subprocess.Popen:
    # TrainOnce (test_worker.py) sends "train" to the "pytest-trainer" queue.
    return subprocess.Popen(
        [sys.executable, "-m", "driftloop_trainer", "worker", "--task-queue", "pytest-trainer"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )


def test_worker_trains_over_mutual_tls(pki, dev_server, tmp_path, datasets):
    from temporalio.client import Client
    from temporalio.worker import Worker

    with TlsTerminator(pki, dev_server) as terminator:
        trainer_worker = _start_worker(_tls_env(pki, terminator.port))
        try:
            async def scenario() -> dict:
                # The workflow side connects plainly, straight to the dev server.
                client = await Client.connect(f"127.0.0.1:{dev_server}")
                async with Worker(client, task_queue="pytest-workflows-tls", workflows=[TrainOnce]):
                    value = _input(make_request("binary", "logistic_regression"), datasets["binary"], tmp_path / "model")
                    return await client.execute_workflow(
                        "TrainOnce", value, id="pytest-train-over-tls", task_queue="pytest-workflows-tls",
                        execution_timeout=timedelta(minutes=2),
                    )

            result = asyncio.run(scenario())
            assert result == {"outDir": str(tmp_path / "model"), "trained": True}
            assert (tmp_path / "model" / "metadata.json").is_file()
            assert "driftloop-trainer" in terminator.client_cns
            trainer_worker.send_signal(signal.SIGTERM)
            _, stderr = trainer_worker.communicate(timeout=30)
            assert trainer_worker.returncode == 0, stderr[-2000:]
            assert f'on 127.0.0.1:{terminator.port} (namespace "default", mutual TLS)' in stderr
        finally:
            if trainer_worker.poll() is None:
                trainer_worker.kill()
                trainer_worker.wait()


def test_worker_without_its_client_certificate_is_refused_and_says_how_it_connected(pki, dev_server):
    env = _tls_env(pki, 0)
    del env["TEMPORAL_TLS_CLIENT_CERT_PATH"], env["TEMPORAL_TLS_CLIENT_KEY_PATH"]
    with TlsTerminator(pki, dev_server) as terminator:
        env["TEMPORAL_ADDRESS"] = f"127.0.0.1:{terminator.port}"
        proc = subprocess.run(
            [sys.executable, "-m", "driftloop_trainer", "worker"], capture_output=True, text=True, env=env, timeout=90,
        )
    assert proc.returncode == 1, proc.stderr[-2000:]
    error = json.loads(proc.stderr.splitlines()[-1])["error"]
    assert (error["class"], error["code"]) == ("internal_error", "temporal_unavailable")
    assert f"cannot connect to Temporal at 127.0.0.1:{terminator.port} (namespace 'default', TLS)" in error["message"]
    assert terminator.client_cns == []


def test_a_certificate_without_its_key_is_refused_before_connecting(pki):
    env = _tls_env(pki, 1)
    del env["TEMPORAL_TLS_CLIENT_KEY_PATH"]
    proc = subprocess.run(
        [sys.executable, "-m", "driftloop_trainer", "worker"], capture_output=True, text=True, env=env, timeout=60,
    )
    assert proc.returncode == 2
    error = json.loads(proc.stderr.splitlines()[-1])["error"]
    assert (error["class"], error["code"]) == ("invalid_request", "invalid_temporal_settings")
    assert error["message"] == (
        "TEMPORAL_TLS_CLIENT_CERT_PATH is set but --tls-key/TEMPORAL_TLS_CLIENT_KEY_PATH is not: "
        "a client certificate needs both"
    )


def test_connect_options_follow_the_cli_rules(pki):
    from temporalio.service import TLSConfig

    assert connect_options({}) == {"tls": False, "api_key": None}
    # An API key alone turns TLS on with the system's roots (Temporal Cloud).
    cloud = connect_options({"TEMPORAL_API_KEY": "k-123"})
    assert cloud == {"tls": True, "api_key": "k-123"}
    assert describe(cloud) == "TLS, API key"
    # TEMPORAL_TLS=false keeps the key on a plain connection (a TLS-terminating proxy in front).
    assert connect_options({"TEMPORAL_API_KEY": "k", "TEMPORAL_TLS": "off"}) == {"tls": False, "api_key": "k"}
    assert connect_options({"TEMPORAL_TLS": "yes"}) == {"tls": True, "api_key": None}
    # Flags win over the environment; an empty variable is unset.
    mtls = connect_options(
        {"TEMPORAL_TLS_CLIENT_CERT_PATH": "/nope.pem", "TEMPORAL_TLS_CLIENT_KEY_PATH": "", "TEMPORAL_TLS_SERVER_NAME": ""},
        TlsFlags(cert=str(pki / "client.pem"), key=str(pki / "client.key"), ca=str(pki / "ca.pem"), server_name="x.test"),
    )
    tls = mtls["tls"]
    assert isinstance(tls, TLSConfig)
    assert tls.client_cert == (pki / "client.pem").read_bytes()
    assert tls.client_private_key == (pki / "client.key").read_bytes()
    assert tls.server_root_ca_cert == (pki / "ca.pem").read_bytes()
    assert tls.domain == "x.test"
    assert describe(mtls) == "mutual TLS"

    for env, flags, message in (
        ({"TEMPORAL_TLS": "maybe"}, TlsFlags(), "TEMPORAL_TLS must be true or false, not 'maybe'"),
        ({}, TlsFlags(key="k.pem"), "--tls-key is set but --tls-cert/TEMPORAL_TLS_CLIENT_CERT_PATH is not"),
        (
            {"TEMPORAL_TLS": "false"},
            TlsFlags(cert=str(pki / "client.pem"), key=str(pki / "client.key")),
            "a TLS client certificate is set but TLS is disabled (TEMPORAL_TLS=false)",
        ),
        ({"TEMPORAL_TLS_SERVER_CA_CERT_PATH": "/no/such/ca.pem"}, TlsFlags(), "TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read /no/such/ca.pem"),
    ):
        with pytest.raises(InvalidRequest) as caught:
            connect_options(env, flags)
        assert message in str(caught.value), str(caught.value)
        assert caught.value.code == "invalid_temporal_settings"
