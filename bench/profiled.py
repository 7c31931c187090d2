"""Run a service module under cProfile with a pymongo command monitor, for the benchmarks' --profile.

    python bench/profiled.py OUT_DIR pm_intake

The service itself is unchanged: this only registers a global pymongo ``CommandListener`` (time of
every database command as the driver sees it: send → reply, per command and collection and filter
shape) and wraps ``python -m <module>`` in ``cProfile``. On SIGUSR1 (sent by the benchmark before it
stops the service: :func:`collect`) it writes ``OUT_DIR/<module>.prof`` and
``OUT_DIR/<module>.commands.json``.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import runpy
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from pymongo import monitoring


def shape(name: str, command: Any) -> str:
    """``find complaints {_id}``-style label: command, collection, and the filter's field names."""
    collection = command.get(name) if isinstance(command.get(name), str) else ""
    flt: Any = None
    if name in ("find", "count"):
        flt = command.get("filter") or command.get("query")
    elif name == "aggregate":
        stages = command.get("pipeline") or []
        flt = next((s["$match"] for s in stages if "$match" in s), None)
    elif name in ("update", "delete"):
        items = command.get("updates") or command.get("deletes") or []
        flt = items[0].get("q") if items else None
    elif name == "findAndModify":
        flt = command.get("query")
    fields = "{" + ",".join(sorted(flt)) + "}" if isinstance(flt, dict) else ""
    sort = command.get("sort")
    return f"{name} {collection} {fields}{' sort' if sort else ''}".strip()


class Monitor(monitoring.CommandListener):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: dict[tuple[Any, int], str] = {}
        self.stats: dict[str, list[float]] = {}  # label -> [count, total seconds, max seconds]

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        with self.lock:
            self.pending[(event.connection_id, event.request_id)] = shape(event.command_name, event.command)

    def _done(self, event: Any) -> None:
        with self.lock:
            label = self.pending.pop((event.connection_id, event.request_id), event.command_name)
            seconds = event.duration_micros / 1e6
            entry = self.stats.setdefault(label, [0, 0.0, 0.0])
            entry[0] += 1
            entry[1] += seconds
            entry[2] = max(entry[2], seconds)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._done(event)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._done(event)


def profile_report(out: Path, module: str, items: int = 0) -> None:
    """Print what a profiled service spent its time on: database commands, then Python functions."""
    commands = json.loads((out / f"{module}.commands.json").read_text())
    ranked = sorted(commands.items(), key=lambda kv: -kv[1]["total_s"])
    total = sum(v["total_s"] for v in commands.values()) or 1.0
    count = sum(v["count"] for v in commands.values())
    per_item = f"; {count / items:.1f} commands per item ({items} items)" if items else ""
    print(f"\n{module}: database commands (driver send → reply), by total time{per_item}:")
    for label, v in ranked[:14]:
        mean = v["total_s"] / v["count"] * 1000
        print(f"  {v['total_s']:8.1f} s {v['total_s'] / total:4.0%}  n={v['count']:6d}  mean {mean:8.2f} ms  {label}")
    print(f"\n{module}: Python functions by own time (cProfile; a coroutine's waiting counts as own time")
    print("of starlette's receive_or_disconnect — compare with the process's CPU share instead):")
    pstats.Stats(str(out / f"{module}.prof")).sort_stats("tottime").print_stats(14)


async def collect(out: Path, module: str, pid: int, timeout: float = 60.0) -> bool:
    """Ask a profiled service for its figures (SIGUSR1) and wait until they are written."""
    from pm_common.testing import poll_until

    done = out / f"{module}.commands.json"
    os.kill(pid, signal.SIGUSR1)

    async def written() -> bool:
        return done.exists()

    try:
        await poll_until(written, timeout=timeout, what=f"{module} profile")
    except AssertionError:
        print(f"{module}: no profile written within {timeout:.0f} s")
    return done.exists()


def main() -> None:
    out, module = Path(sys.argv[1]), sys.argv[2]
    out.mkdir(parents=True, exist_ok=True)
    monitor = Monitor()
    monitoring.register(monitor)
    profile = cProfile.Profile()

    def dump(*_: Any) -> None:
        profile.disable()
        profile.dump_stats(out / f"{module}.prof")
        with monitor.lock:
            stats = {k: {"count": v[0], "total_s": v[1], "max_s": v[2]} for k, v in monitor.stats.items()}
        (out / f"{module}.commands.tmp").write_text(json.dumps(stats, indent=1))
        (out / f"{module}.commands.tmp").rename(out / f"{module}.commands.json")
        profile.enable()

    signal.signal(signal.SIGUSR1, dump)
    sys.argv = [module]
    profile.enable()
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
