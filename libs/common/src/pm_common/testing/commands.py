"""A driver command listener for tests that count what a store sends to the engine."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from pymongo import monitoring

WATCHED = {"find", "update", "delete", "insert", "aggregate", "count", "getMore", "findAndModify"}


class Commands(monitoring.CommandListener):
    """Every watched command as the driver sends it: ``(command, collection, filter)``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: list[tuple[str, str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if name in WATCHED:
            target = event.command.get(name)
            found = event.command.get("filter")
            statements = event.command.get({"update": "updates", "delete": "deletes"}.get(name, ""))
            if found is None and isinstance(statements, list) and statements:
                found = statements[0].get("q")  # the first statement's filter
            with self.lock:
                self.seen.append((name, str(target), found))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def clear(self) -> None:
        with self.lock:
            self.seen.clear()

    def counts(self) -> Counter[tuple[str, str]]:
        """``(command, collection)`` → how many were sent."""
        with self.lock:
            return Counter((name, coll) for name, coll, _ in self.seen)

    def filters(self) -> list[tuple[str, Any]]:
        """``(command, filter)`` in the order sent."""
        with self.lock:
            return [(name, f) for name, _, f in self.seen]
