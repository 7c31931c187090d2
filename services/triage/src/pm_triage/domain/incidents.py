"""Group incidents (群诉): the same fault reported by N complaints within a time window.

The stream processor keeps, per fault key, the complaint ids seen in each hopping window; this
module decides, purely, when a window crosses the threshold and which incident it belongs to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class IncidentPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    threshold: int = Field(3, ge=2, description="complaints on one fault within one window")
    window_seconds: float = Field(7200, gt=0)
    step_seconds: float = Field(1800, gt=0, description="hop of the sliding windows (≤ window)")


@dataclass(frozen=True)
class FaultReport:
    """One complaint counted towards its fault key (what the stream carries)."""

    complaint_id: str
    estate_id: str
    fault_key: str
    received_at: float  # epoch seconds: the window time of the report
    category: str


@dataclass(frozen=True)
class WindowCount:
    start: float
    end: float
    members: tuple[str, ...]


def add_member(current: list[str] | None, complaint_id: str) -> list[str]:
    """The table operation: a window's member list with ``complaint_id`` added once (idempotent)."""
    members = list(current or ())
    if complaint_id not in members:
        members.append(complaint_id)
    return members


def counts_toward_incident(decision: str, duplicate_of: str | None, fault_key: str | None) -> bool:
    """Rejected items and a household's own duplicates do not make a fault more widespread."""
    return decision != "rejected" and duplicate_of is None and bool(fault_key)


def crossing(windows: Iterable[WindowCount], threshold: int) -> WindowCount | None:
    """The earliest window holding at least ``threshold`` complaints, if any."""
    full = [w for w in windows if len(w.members) >= threshold]
    return min(full, key=lambda w: w.start) if full else None


def unlinked(members: Iterable[str], linked: set[str]) -> tuple[str, ...]:
    return tuple(m for m in members if m not in linked)


def incident_id(fault_key: str, window_start: float, first_member: str) -> str:
    """Deterministic: replaying the same reports declares the same incident (unique key in the DB)."""
    digest = hashlib.sha1(f"{fault_key}|{int(window_start)}|{first_member}".encode()).hexdigest()[:16]
    return f"INC-{digest}"


def overlaps(declared_window_start: datetime, report_at: float, policy: IncidentPolicy) -> bool:
    """An open incident still takes reports that arrive within one window length of its window."""
    start = declared_window_start.timestamp()
    return start - policy.window_seconds <= report_at < start + 2 * policy.window_seconds
