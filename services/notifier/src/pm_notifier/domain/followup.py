"""Survey and return visit (回访) after a task is verified: one round per resolution.

A round starts on ``task.verified`` (or ``task.resolved`` where the estate skips verification). The
owner gets a survey (1–5 + comment); a sampled complaint also gets a return-visit task for customer
service, due ``working_days`` working days later. The round's outcome is recorded once: by customer
service (sampled items), by the survey answer (others), or ``no_response`` after ``no_response_days``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Outcome = Literal["satisfied", "dissatisfied", "no_response"]


class FollowupNotFound(Exception):
    pass


class AlreadyRecorded(Exception):
    """The round's outcome is already recorded (answered, visited or timed out)."""


class InvalidScore(Exception):
    pass


@dataclass(frozen=True)
class SamplingPolicy:
    """Share of complaints that get a return-visit call, per estate with category overrides."""

    default_rate: float = 1.0
    working_days: int = 3
    no_response_days: int = 7
    by_category: tuple[tuple[str, float], ...] = ()

    @classmethod
    def from_doc(cls, doc: dict[str, Any] | None, defaults: SamplingPolicy) -> SamplingPolicy:
        if not doc:
            return defaults
        return cls(
            float(doc.get("rate", defaults.default_rate)),
            int(doc.get("working_days", defaults.working_days)),
            int(doc.get("no_response_days", defaults.no_response_days)),
            tuple((str(k), float(v)) for k, v in (doc.get("by_category") or {}).items()),
        )

    def rate_for(self, category: str | None) -> float:
        return dict(self.by_category).get(category or "", self.default_rate)


def sampled(complaint_id: str, round_no: int, rate: float) -> bool:
    """Deterministic (a redelivered event decides the same way): a hash of the complaint and round."""
    if rate >= 1:
        return True
    if rate <= 0:
        return False
    h = int(hashlib.sha256(f"{complaint_id}:{round_no}".encode()).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < rate


def satisfied(score: int) -> bool:
    return score >= 4


def check_score(score: int) -> None:
    if not 1 <= score <= 5:
        raise InvalidScore()


def current(doc: dict[str, Any]) -> dict[str, Any]:
    rounds: list[dict[str, Any]] = doc.get("rounds", [])
    if not rounds:
        raise FollowupNotFound()
    return rounds[-1]


def needs_new_round(doc: dict[str, Any] | None, cause_event_id: str) -> bool:
    """A new round unless this event already started one or the current round is still open."""
    if not doc or not doc.get("rounds"):
        return True
    now_round = current(doc)
    if now_round["cause_event_id"] == cause_event_id or any(
        r["cause_event_id"] == cause_event_id for r in doc["rounds"]
    ):
        return False
    return now_round.get("outcome") is not None


def new_round(
    round_no: int,
    cause_event_id: str,
    task_id: str,
    at: datetime,
    is_sampled: bool,
    visit_due: datetime,
    no_response_at: datetime,
) -> dict[str, Any]:
    return {
        "round": round_no,
        "cause_event_id": cause_event_id,
        "task_id": task_id,
        "started_at": at,
        "sampled": is_sampled,
        "visit_due_at": visit_due if is_sampled else None,
        "no_response_at": no_response_at,
        "survey": None,
        "outcome": None,
        "note": "",
        "recorded_by": None,
        "recorded_at": None,
    }


def check_open(round_: dict[str, Any]) -> None:
    if round_.get("outcome") is not None:
        raise AlreadyRecorded()


def outcome_from_survey(round_: dict[str, Any], score: int) -> Outcome | None:
    """An unsampled round is decided by the owner's answer; a sampled one waits for the visit."""
    if round_.get("sampled"):
        return None
    return "satisfied" if satisfied(score) else "dissatisfied"
