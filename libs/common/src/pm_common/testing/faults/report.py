"""The per-scenario table of the fault-injection suite (printed at the end of the pytest run)."""

from __future__ import annotations

import os
from pathlib import Path

from pm_common.testing.faults.checker import Outcome

OUTCOMES: list[Outcome] = []
HEADER = ("scenario", "accepted", "final", "lost", "duplicated", "redelivered copies", "recover s")


def record(outcome: Outcome) -> None:
    OUTCOMES.append(outcome)
    target = os.environ.get("PM_FAULTS_REPORT")
    if target:
        Path(target).write_text(table(OUTCOMES) + "\n")


def table(outcomes: list[Outcome]) -> str:
    """A Markdown table: one row per scenario."""
    rows = [
        (o.scenario, o.accepted, o.final, o.lost, o.duplicated, o.copies, f"{o.recover_seconds:.1f}") for o in outcomes
    ]
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
