"""Group-incident use cases: declare or extend an incident when a fault window crosses the
threshold (called by the stream processor), and the supervisor's confirm / dismiss / resolve."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from pm_common.events import Envelope, new_event
from pm_common.events.payloads import GroupIncidentDeclared, GroupIncidentResolved
from pm_triage.domain.errors import Conflict, IncidentClosed, IncidentNotFound
from pm_triage.domain.grouping import split_fault_key
from pm_triage.domain.incidents import (
    FaultReport,
    IncidentPolicy,
    WindowCount,
    crossing,
    incident_id,
    overlaps,
    unlinked,
)
from pm_triage.service_layer.handlers import SOURCE


class IncidentRepository(Protocol):
    async def open_incident(self, key: str) -> dict[str, Any] | None: ...
    async def linked(self, complaint_ids: list[str]) -> set[str]: ...
    async def declare_once(self, document: dict[str, Any], event: Envelope) -> bool: ...
    async def link(self, incident: str, key: str, complaint_ids: tuple[str, ...], at: datetime) -> int: ...
    async def get(self, incident: str) -> dict[str, Any] | None: ...
    async def children(self, incident: str) -> list[str]: ...
    async def decision(self, incident: str) -> dict[str, Any] | None: ...
    async def decide_once(self, document: dict[str, Any], event: Envelope | None) -> bool: ...
    async def confirm_once(self, document: dict[str, Any]) -> bool: ...


async def on_fault_windows(
    report: FaultReport, windows: list[WindowCount], policy: IncidentPolicy, repo: IncidentRepository, now: datetime
) -> str | None:
    """Idempotent (deterministic incident id, one link per child): replays change nothing."""
    window = crossing(windows, policy.threshold)
    if window is None:
        return None
    current = await repo.open_incident(report.fault_key)
    if current is not None and overlaps(current["window_start"], report.received_at, policy):
        fresh = unlinked(window.members, await repo.linked(list(window.members)))
        await repo.link(str(current["_id"]), report.fault_key, fresh, now)
        return str(current["_id"])
    fresh = unlinked(window.members, await repo.linked(list(window.members)))  # not in a closed incident
    if len(fresh) < policy.threshold:
        return None
    new_id = incident_id(report.fault_key, window.start, fresh[0])
    estate_id, place, category = split_fault_key(report.fault_key)
    payload = GroupIncidentDeclared(
        incident_id=new_id,
        estate_id=estate_id,
        fault_key=report.fault_key,
        place=place,
        category=category,  # type: ignore[arg-type]
        window_start=datetime.fromtimestamp(window.start, UTC),
        window_end=datetime.fromtimestamp(window.end, UTC),
        threshold=policy.threshold,
        complaint_ids=fresh,
        declared_at=now,
    )
    event = new_event(payload, source=SOURCE, estate_id=estate_id, now=now)
    document = {"_id": new_id, **payload.model_dump(exclude={"incident_id"}), "complaint_ids": list(fresh)}
    await repo.declare_once(document, event)
    await repo.link(new_id, report.fault_key, fresh, now)
    return new_id


async def _open(incident: str, repo: IncidentRepository) -> dict[str, Any]:
    doc = await repo.get(incident)
    if doc is None:
        raise IncidentNotFound(incident)
    if await repo.decision(incident) is not None:
        raise IncidentClosed(incident)
    return doc


async def resolve_incident(
    incident: str, answer_zh: str, answer_en: str | None, staff: str, repo: IncidentRepository, now: datetime
) -> dict[str, Any]:
    """One answer for every linked complaint: dispatch closes their tasks, the notifier broadcasts it."""
    doc = await _open(incident, repo)
    children = tuple(await repo.children(incident))
    payload = GroupIncidentResolved(
        incident_id=incident,
        estate_id=doc["estate_id"],
        complaint_ids=children,
        answer_zh=answer_zh,
        answer_en=answer_en,
        resolved_by=staff,
        resolved_at=now,
    )
    event = new_event(payload, source=SOURCE, estate_id=doc["estate_id"], now=now)
    decision = {
        "_id": incident,
        "estate_id": doc["estate_id"],
        "action": "resolved",
        "by": staff,
        "at": now,
        "answer_zh": answer_zh,
        "answer_en": answer_en,
        "complaint_ids": list(children),
    }
    if not await repo.decide_once(decision, event):
        raise IncidentClosed(incident)
    return decision


async def review_incident(
    incident: str,
    action: Literal["confirm", "dismiss"],
    note: str | None,
    staff: str,
    repo: IncidentRepository,
    now: datetime,
) -> dict[str, Any]:
    """Confirm (a real 群诉: keep working on it) or dismiss (not one fault: the children go on alone)."""
    doc = await _open(incident, repo)
    record = {"_id": incident, "estate_id": doc["estate_id"], "by": staff, "at": now, "note": note}
    if action == "dismiss":
        if not await repo.decide_once({**record, "action": "dismissed"}, None):
            raise IncidentClosed(incident)
        return {**record, "action": "dismissed"}
    if not await repo.confirm_once({**record, "action": "confirmed"}):
        raise Conflict("该群诉事件已确认", f"group incident {incident} was already confirmed")
    return {**record, "action": "confirmed"}
