"""Urgent paging: the on-duty handler and duty manager are paged at once; one acknowledgement stops
it; an unacknowledged chain moves to the next person on the roster after ``ack_minutes``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pm_common.org import OrgSnapshot, on_duty

# chain role → roles whose on-duty people follow when the chain's own people are exhausted
CHAINS: dict[str, tuple[str, ...]] = {
    "handler": ("handler", "supervisor"),
    "duty_manager": ("duty_manager", "project_manager"),
}


class PageNotFound(Exception):
    pass


class NotPaged(Exception):
    """Only someone the page went to may acknowledge it."""


def candidates(snapshot: OrgSnapshot | None, chain: str, at: datetime) -> list[str]:
    """Everyone a chain may reach, in order: on duty first (roster order), then the rest of the
    chain's roles; active people only, no duplicates."""
    if snapshot is None:
        return []
    ids: list[str] = []
    for role in CHAINS[chain]:
        for person in on_duty(snapshot, role, at):
            if person.person_id not in ids:
                ids.append(person.person_id)
    return ids


@dataclass(frozen=True)
class Step:
    chain: str
    index: int
    person_id: str

    @property
    def key(self) -> str:
        return f"{self.chain}.{self.index}"


def new_page(snapshot: OrgSnapshot | None, at: datetime) -> dict[str, Any]:
    """The page document's chains; the first person of each is paged now."""
    chains = {}
    for chain in CHAINS:
        people = candidates(snapshot, chain, at)
        if people:
            chains[chain] = {"people": people, "index": 0, "paged_at": at}
    return chains


def first_steps(chains: dict[str, Any]) -> list[Step]:
    return [Step(name, 0, c["people"][0]) for name, c in chains.items()]


def escalations(page: dict[str, Any], now: datetime, ack_minutes: float) -> list[Step]:
    """The next person of every chain whose current person did not acknowledge in time."""
    if page.get("acknowledged_by"):
        return []
    steps = []
    for name, chain in page.get("chains", {}).items():
        late = chain["paged_at"] + timedelta(minutes=ack_minutes) <= now
        nxt = chain["index"] + 1
        if late and nxt < len(chain["people"]):
            steps.append(Step(name, nxt, chain["people"][nxt]))
    return steps


def next_check(page: dict[str, Any], ack_minutes: float) -> datetime | None:
    """When to look at the page again (``None``: acknowledged or nobody left to page)."""
    if page.get("acknowledged_by"):
        return None
    times = [
        c["paged_at"] + timedelta(minutes=ack_minutes)
        for c in page.get("chains", {}).values()
        if c["index"] + 1 < len(c["people"])
    ]
    return min(times) if times else None


def paged_people(page: dict[str, Any]) -> set[str]:
    return {p for c in page.get("chains", {}).values() for p in c["people"][: c["index"] + 1]}


def check_may_acknowledge(page: dict[str, Any] | None, person_id: str) -> None:
    if page is None:
        raise PageNotFound()
    if person_id not in paged_people(page):
        raise NotPaged()
