"""Attack: open many connections and hold them (connection exhaustion).

`mednec serve` bounds the connections and requests a worker holds at once (uvicorn's
``limit_concurrency``; default :data:`mednec.api.server.LIMIT_CONCURRENCY`, set with
``--limit-concurrency`` or ``MEDNEC_LIMIT_CONCURRENCY``): past it a new request gets 503 at once
instead of the worker running out of file descriptors or memory, and idle connections are closed
at the head deadline (``mednec.api.protocol``). Tested against a real server on a free port.

First contact (2026-12-07, 01:14 UTC): see the commit that adds this file.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from mednec.api import Settings, create_app
from mednec.runtime import default_runtime
from tests.live_server import raw, serving


def test_serve_sets_a_concurrency_limit_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from mednec.api.server import uvicorn_options

    monkeypatch.delenv("MEDNEC_LIMIT_CONCURRENCY", raising=False)
    limit = uvicorn_options().get("limit_concurrency")
    assert isinstance(limit, int) and 16 <= limit <= 4096, limit


def test_the_limit_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    from mednec.api.server import uvicorn_options

    monkeypatch.setenv("MEDNEC_LIMIT_CONCURRENCY", "37")
    assert uvicorn_options()["limit_concurrency"] == 37


@pytest.mark.parametrize("bad", ["0", "-5", "lots", "1e9", "99999999999"])
def test_a_bad_limit_is_a_configuration_error(bad: str) -> None:
    env = {**os.environ, "MEDNEC_LIMIT_CONCURRENCY": bad}
    done = subprocess.run([sys.executable, "-m", "mednec", "serve", "--port", "1"], env=env,
                          capture_output=True, text=True, timeout=120)
    # 3: a setting the environment gives that cannot be read, as for every MEDNEC_ variable (mednec.cli.main)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "MEDNEC_LIMIT_CONCURRENCY" in done.stderr and "Traceback" not in done.stderr


def test_the_workers_get_the_same_limit() -> None:
    from mednec.cli.service import worker_command

    argv, _ = worker_command("127.0.0.1", 8000, 2, None)
    assert "--limit-concurrency" in argv
    assert int(argv[argv.index("--limit-concurrency") + 1]) >= 16


@pytest.fixture
def small_server(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("MEDNEC_LIMIT_CONCURRENCY", "4")
    with serving(create_app(Settings(database_url=f"sqlite:///{tmp_path}/c.db", runtime=default_runtime()))) as port:
        yield port


def _get(port: int) -> bytes:
    return raw(port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")[0]


def test_held_connections_past_the_limit_get_503_not_a_hang(small_server: int) -> None:
    held = [socket.create_connection(("127.0.0.1", small_server), timeout=10) for _ in range(8)]
    try:
        time.sleep(0.3)
        answer = _get(small_server)
        assert answer.startswith(b"HTTP/1.1 503"), answer[:200]
    finally:
        for c in held:
            c.close()
    time.sleep(0.3)
    assert _get(small_server).startswith(b"HTTP/1.1 200")  # free again once they close
