"""Run the sink: ``python -m pm_notifier.localsink [--http-port 8025] [--smtp-port 2525]``, or in a
test with ``async with running_sink() as sink``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from pm_common.testing import free_port
from pm_notifier.localsink.app import create_sink_app
from pm_notifier.localsink.smtp import start_smtp
from pm_notifier.localsink.store import SinkStore


@dataclass
class RunningSink:
    store: SinkStore
    http_url: str
    smtp_host: str
    smtp_port: int


@contextlib.asynccontextmanager
async def running_sink(host: str = "127.0.0.1", http_port: int = 0, smtp_port: int = 0) -> AsyncIterator[RunningSink]:
    store = SinkStore()
    http_port = http_port or free_port()
    smtp_port = smtp_port or free_port()
    smtp = await start_smtp(store, host, smtp_port)
    server = uvicorn.Server(uvicorn.Config(create_sink_app(store), host=host, port=http_port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.05)
        yield RunningSink(store, f"http://{host}:{http_port}", host, smtp_port)
    finally:
        server.should_exit = True
        await task
        smtp.close()
        await smtp.wait_closed()


async def serve(host: str, http_port: int, smtp_port: int) -> None:
    async with running_sink(host, http_port, smtp_port) as sink:
        print(f"[sink] SMTP on {host}:{sink.smtp_port}; messages at {sink.http_url}/", flush=True)
        await asyncio.Event().wait()


def spawn_sink(log_dir: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    """The local provider sink (real SMTP + the SMS/WeChat/push/pager HTTP endpoints) the notifier
    delivers to, as its own process, and the notifier settings that point at it."""
    http_port, smtp_port = free_port(), free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / "sink.log", "ab") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pm_notifier.localsink",
                "--http-port",
                str(http_port),
                "--smtp-port",
                str(smtp_port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{http_port}"
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url + "/api/messages", timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    env = {f"NOTIFIER_{c}_URL": url for c in ("SMS", "WECHAT", "PAGER")}
    return proc, {**env, "NOTIFIER_PUSH_URL": url + "/push/send", "NOTIFIER_SMTP_PORT": str(smtp_port), "SINK_URL": url}


def main() -> None:
    parser = argparse.ArgumentParser(description="Local provider sink: SMTP + SMS/WeChat/push/pager HTTP.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--smtp-port", type=int, default=2525)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.http_port, args.smtp_port))
