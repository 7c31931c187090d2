"""Test-only fault hook: crash the process at a named point, to prove nothing is lost.

``PM_FAULT_CRASH_AT=<point>:<n>[,<point>:<n>...]`` makes the n-th call of ``crash_point(point)`` in
this process end it at once with ``os._exit(137)`` — what ``kill -9`` does: no ``finally``, no
flush, no offset commit, no graceful shutdown. Unset (always in production) the hook is a dict
lookup and nothing else. The fault-injection suite (``tests/faults``) sets it on one service.

Points (where the calls sit):

- ``outbox.before_publish`` — the relay read a stored entry (the state change and its event are
  durable in the DB) and is about to send it to the broker;
- ``outbox.after_publish`` — the broker acknowledged the entry, the relay has not marked it sent;
- ``consumer.before_commit`` — a consumer's handler finished a message (its effect is durable),
  the offset of the batch is not committed yet.
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)

ENV = "PM_FAULT_CRASH_AT"
EXIT_CODE = 137  # what a shell reports for SIGKILL (128 + 9)
POINTS = ("outbox.before_publish", "outbox.after_publish", "consumer.before_commit")

_armed: dict[str, int] | None = None
_hits: dict[str, int] = {}


def parse(spec: str) -> dict[str, int]:
    """``"a:3,b:1"`` → ``{"a": 3, "b": 1}``; unknown points or counts < 1 are refused."""
    armed: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        point, _, count = part.rpartition(":")
        if point not in POINTS or not count.isdigit() or int(count) < 1:
            raise ValueError(f"{ENV}: expected <point>:<n> with point in {POINTS}, got {part!r}")
        armed[point] = int(count)
    return armed


def crash_point(point: str) -> None:
    """End the process like ``kill -9`` at the n-th hit of ``point`` when armed; otherwise nothing."""
    global _armed
    if _armed is None:
        _armed = parse(os.environ.get(ENV, ""))
    if point not in _armed:
        return
    _hits[point] = _hits.get(point, 0) + 1
    if _hits[point] == _armed[point]:
        log.critical("fault injection: crashing at %s (hit %s)", point, _hits[point])
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stderr.flush()
        os._exit(EXIT_CODE)


def reset() -> None:
    """Forget the armed points and hit counts (unit tests)."""
    global _armed
    _armed = None
    _hits.clear()
