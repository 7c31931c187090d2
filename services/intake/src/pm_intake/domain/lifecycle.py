"""The life of a register entry at intake: status rules, timeline entries, what each audience sees."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pm_intake.domain.errors import InvalidState

Visibility = Literal["owner", "internal"]

OPEN_STATUSES = frozenset({"received", "triaged", "in_progress"})
TERMINAL_STATUSES = frozenset({"withdrawn", "closed"})
# downstream progress never moves an item backwards (events of different topics may arrive out of order)
_RANK = {"draft": -1, "received": 0, "triaged": 1, "rejected": 1, "in_progress": 2, "done": 3, "closed": 4}
# timeline kinds the owner may see when an entry predates the explicit visibility flag
_OWNER_KINDS = frozenset(
    {"received", "triaged", "assigned", "result", "feedback", "answered", "withdrawn", "progress", "closed", "reopened"}
)

# personal data and plumbing that no API response carries
_HIDDEN = ("pii", "outbox", "outbox_pending", "processed_events", "owner_key", "tracking_hash", "idempotency")


_INBOX_FIELDS = ("at", "template", "message_zh", "message_en")


def entry(
    at: datetime, kind: str, note: str, visibility: Visibility = "owner", by: str | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {"at": at, "kind": kind, "note": note, "visibility": visibility}
    if by:
        item["by"] = by
    return item


def status_after(current: str, proposed: str) -> str:
    """The status after a downstream event proposes ``proposed``."""
    if current in TERMINAL_STATUSES or current == "draft":
        return current
    if proposed == "reopened":  # the only step back: a dissatisfied owner's item is handled again
        return "in_progress" if current == "done" else current
    return proposed if _RANK.get(proposed, 0) >= _RANK.get(current, 0) else current


def reopens_closed(doc: dict[str, Any], at: datetime) -> bool:
    """Whether a reopening at ``at`` reopens a closed item: only when it happened after the closure
    (a supervisor reopens a closed task; a late copy of an earlier round's reopening does not)."""
    closed_at = doc.get("archived_at")
    if doc.get("status") != "closed" or not isinstance(closed_at, datetime):
        return False
    if closed_at.tzinfo is None:  # the driver may hand back naive UTC
        closed_at = closed_at.replace(tzinfo=UTC)
    return at > closed_at


def ensure_draft(status: str) -> None:
    if status != "draft":
        raise InvalidState(status, "复述确认（仅草稿可确认）", "confirm a read-back (only drafts)")


def ensure_open(status: str, action_zh: str, action_en: str) -> None:
    if status not in OPEN_STATUSES:
        raise InvalidState(status, action_zh, action_en)


def owner_visible(item: dict[str, Any]) -> bool:
    visibility = item.get("visibility")
    return visibility == "owner" or (visibility is None and item.get("kind") in _OWNER_KINDS)


def owner_view(doc: dict[str, Any]) -> dict[str, Any]:
    """What the owner sees: their item, its live status and the owner-facing timeline only."""
    reg = doc.get("registration", {})
    return {
        "complaint_id": doc["_id"],
        "reference_no": doc.get("reference_no"),
        "estate_id": doc["estate_id"],
        "channel": doc.get("channel", reg.get("channel")),
        "status": doc["status"],
        "content": reg.get("content"),
        "matter": reg.get("matter"),
        "location": reg.get("location"),
        "received_at": doc.get("received_at"),
        "next_contact_by": doc.get("next_contact_by"),
        "answer": (doc.get("resolution") or {}).get("answer"),
        "timeline": [
            {"at": t["at"], "kind": t["kind"], "note": t["note"]} for t in doc.get("timeline", []) if owner_visible(t)
        ],
        # every message the notifier delivered to the owner (for an anonymous owner, the tracking-token
        # inbox: the only channel they are reached through), newest last
        "inbox": [{k: m.get(k) for k in _INBOX_FIELDS} for m in doc.get("inbox", [])],
        "closed_at": doc.get("archived_at"),
    }


def staff_view(doc: dict[str, Any]) -> dict[str, Any]:
    """What staff of the estate see: everything except personal data (masked copies only) and plumbing."""
    view = {k: v for k, v in doc.items() if k not in _HIDDEN}
    view["complaint_id"] = view.pop("_id")
    return view


def ledger_row(doc: dict[str, Any]) -> dict[str, Any]:
    reg = doc.get("registration", {})
    owner = reg.get("owner") or {}
    content = reg.get("content") or ""
    return {
        "complaint_id": doc["_id"],
        "reference_no": doc.get("reference_no"),
        "estate_id": doc["estate_id"],
        "channel": doc.get("channel", reg.get("channel")),
        "status": doc["status"],
        "content": content if len(content) <= 200 else content[:200] + "…",
        "owner_name": owner.get("name"),
        "owner_phone": owner.get("phone"),
        "urgency_reported": reg.get("urgency_reported"),
        "received_at": doc.get("received_at"),
        "recorder_id": doc.get("recorder_id"),
        "category": doc.get("category") or (doc.get("triage") or {}).get("category"),
        "department": doc.get("department"),
        "handler_id": doc.get("handler_id"),
    }
