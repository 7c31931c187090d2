"""A real S3-compatible server for the photo-store tests: versitygw, built from the Go module proxy
by ``deploy/local/s3server.py`` (cached in ``.local/bin``), started on a free port with its data in
the test's temporary folder and stopped afterwards."""

from __future__ import annotations

import importlib.util
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pm_common.testing import free_port

if str(Path(__file__).parent) not in sys.path:  # the tests' shared helpers (s3_kit); importlib mode
    sys.path.insert(0, str(Path(__file__).parent))
from s3_kit import S3Server

REPO = Path(__file__).resolve().parents[2]


def _s3server() -> object:
    spec = importlib.util.spec_from_file_location("pm_s3server", REPO / "deploy/local/s3server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    s3server = _s3server()
    s3server.fetch()  # type: ignore[attr-defined]
    root = tmp_path_factory.mktemp("versitygw")
    port, access, secret = free_port(), "pm-test-" + secrets.token_hex(4), secrets.token_hex(20)
    argv = s3server.command(root, port, access, secret)  # type: ignore[attr-defined]
    with open(root / "versitygw.log", "wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not _listening(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"versitygw did not start: {(root / 'versitygw.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield S3Server(f"http://127.0.0.1:{port}", access, secret, root)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
