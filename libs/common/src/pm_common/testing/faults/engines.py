"""Throw-away engines for fault injection: own Kafka and FerretDB (own ports and state folder),
started with ``deploy/local/engines.py`` and killed with ``kill -9`` at will."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Literal

from pm_common.testing.fixtures import ENGINES, Engines
from pm_common.testing.helpers import free_port

Engine = Literal["kafka", "mongo"]
_PIDFILE = {"kafka": "kafka.pid", "mongo": "ferretdb.pid"}


class OwnEngines:
    """Kafka + FerretDB of one test module; killing them disturbs no other test."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.env = {
            **os.environ,
            "PM_LOCAL_STATE_DIR": str(state),
            "PM_LOCAL_KAFKA_PORT": str(free_port()),
            "PM_LOCAL_KAFKA_CONTROLLER_PORT": str(free_port()),
            "PM_LOCAL_MONGO_PORT": str(free_port()),
        }
        self.engines = Engines(
            f"mongodb://127.0.0.1:{self.env['PM_LOCAL_MONGO_PORT']}", f"127.0.0.1:{self.env['PM_LOCAL_KAFKA_PORT']}"
        )

    @property
    def credentials_file(self) -> Path:
        """The broker's generated credentials (``deploy/local/kafka_auth.py``)."""
        return self.state / "conf" / "kafka-credentials.json"

    def run(self, *args: str) -> None:
        subprocess.run([sys.executable, str(ENGINES), *args], env=self.env, check=True, stdout=subprocess.DEVNULL)

    def up(self, which: Engine | None = None) -> None:
        """Start (or restart) and wait until a real request succeeds."""
        self.run("up", *([which] if which else []))

    def down(self) -> None:
        self.run("down")

    def kill9(self, which: Engine) -> int:
        """``kill -9`` the engine's process (no shutdown hooks, no flush); returns its pid."""
        pid = int((self.state / "run" / _PIDFILE[which]).read_text().strip())
        os.kill(pid, signal.SIGKILL)
        end = time.monotonic() + 15
        while time.monotonic() < end and _alive(pid):
            time.sleep(0.05)  # the kernel reaps it within milliseconds; bounded wait, not a delay
        if _alive(pid):
            raise RuntimeError(f"{which} (pid {pid}) survived SIGKILL")
        return pid


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status
