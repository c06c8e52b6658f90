"""How the trainer worker connects to Temporal: plain, TLS, mutual TLS, or a
Temporal Cloud API key.

The same environment variables and rules as the TypeScript side's
client/settings.ts (docs/cli.md, "Connection settings"), so one set of
variables configures the whole deployment. The trainer runs in its own
container and reads no settings file: flags, then the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .errors import InvalidRequest

CERT_ENV = "TEMPORAL_TLS_CLIENT_CERT_PATH"
KEY_ENV = "TEMPORAL_TLS_CLIENT_KEY_PATH"
CA_ENV = "TEMPORAL_TLS_SERVER_CA_CERT_PATH"
SERVER_NAME_ENV = "TEMPORAL_TLS_SERVER_NAME"
TLS_ENV = "TEMPORAL_TLS"
API_KEY_ENV = "TEMPORAL_API_KEY"

_FLAG = {CERT_ENV: "tls-cert", KEY_ENV: "tls-key", CA_ENV: "tls-ca", SERVER_NAME_ENV: "tls-server-name"}
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")


@dataclass(frozen=True)
class TlsFlags:
    cert: str | None = None
    key: str | None = None
    ca: str | None = None
    server_name: str | None = None


def _pick(flag: str | None, env: Mapping[str, str], name: str) -> tuple[str | None, str]:
    """A flag wins over the variable; an empty variable counts as unset."""
    if flag is not None:
        return flag, f"--{_FLAG[name]}"
    value = env.get(name) or None
    return value, name


def _read(path: str, source: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidRequest("invalid_temporal_settings", f"{source}: cannot read {path}: {exc.strerror or exc}") from exc


def connect_options(env: Mapping[str, str], flags: TlsFlags = TlsFlags()) -> dict[str, Any]:
    """Keyword arguments for temporalio's Client.connect: ``tls`` (False, True
    or a TLSConfig) and ``api_key``. Contradictory or unreadable settings raise
    InvalidRequest naming the flag or variable, before anything connects."""
    from temporalio.service import TLSConfig

    cert, cert_from = _pick(flags.cert, env, CERT_ENV)
    key, key_from = _pick(flags.key, env, KEY_ENV)
    ca, ca_from = _pick(flags.ca, env, CA_ENV)
    server_name, _ = _pick(flags.server_name, env, SERVER_NAME_ENV)
    api_key = env.get(API_KEY_ENV) or None
    enabled: bool | None = None
    raw = env.get(TLS_ENV) or None
    if raw is not None:
        text = raw.strip().lower()
        if text not in _TRUE + _FALSE:
            raise InvalidRequest("invalid_temporal_settings", f"{TLS_ENV} must be true or false, not {raw!r}")
        enabled = text in _TRUE

    if (cert is None) != (key is None):
        given, missing = (cert_from, f"--tls-key/{KEY_ENV}") if key is None else (key_from, f"--tls-cert/{CERT_ENV}")
        raise InvalidRequest(
            "invalid_temporal_settings",
            f"{given} is set but {missing} is not: a client certificate needs both",
        )
    any_tls = any(v is not None for v in (cert, ca, server_name, api_key))
    tls_on = enabled if enabled is not None else any_tls
    if not tls_on and cert is not None:
        raise InvalidRequest(
            "invalid_temporal_settings", f"a TLS client certificate is set but TLS is disabled ({TLS_ENV}={raw})"
        )

    tls: bool | TLSConfig = False
    if tls_on:
        files = {
            "client_cert": _read(cert, cert_from) if cert else None,
            "client_private_key": _read(key, key_from) if key else None,
            "server_root_ca_cert": _read(ca, ca_from) if ca else None,
        }
        if any(v is not None for v in files.values()) or server_name:
            tls = TLSConfig(domain=server_name, **files)
        else:
            tls = True  # the system's root CAs, the address's host name
    return {"tls": tls, "api_key": api_key}


def describe(options: Mapping[str, Any]) -> str:
    """For the start-up log line: how the worker connects, never the key itself."""
    tls = options.get("tls")
    if not tls:
        kind = "plain"
    elif tls is True or getattr(tls, "client_cert", None) is None:
        kind = "TLS"
    else:
        kind = "mutual TLS"
    return kind + (", API key" if options.get("api_key") else "")
