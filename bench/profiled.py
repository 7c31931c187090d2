"""Run a service module under cProfile with a pymongo command monitor, for the benchmarks' --profile.

    python bench/profiled.py OUT_DIR pm_intake

The service itself is unchanged: this only registers a global pymongo ``CommandListener`` (time of
every database command as the driver sees it: send → reply, per command and collection and filter
shape) and wraps ``python -m <module>`` in ``cProfile``. On exit (SIGTERM from the benchmark) it
writes ``OUT_DIR/<module>.prof`` and ``OUT_DIR/<module>.commands.json``.
"""

from __future__ import annotations

import cProfile
import json
import runpy
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


def main() -> None:
    out, module = Path(sys.argv[1]), sys.argv[2]
    out.mkdir(parents=True, exist_ok=True)
    monitor = Monitor()
    monitoring.register(monitor)
    profile = cProfile.Profile()
    sys.argv = [module]
    profile.enable()
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        profile.disable()
        profile.dump_stats(out / f"{module}.prof")
        with monitor.lock:
            stats = {k: {"count": v[0], "total_s": v[1], "max_s": v[2]} for k, v in monitor.stats.items()}
        (out / f"{module}.commands.json").write_text(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()
