"""Who may see what of an owner's personal data, and how far a ledger query may page."""

from __future__ import annotations

import copy
from typing import Any

from pm_common.redaction import redact
from pm_intake.domain.errors import FieldProblem, InvalidQuery, NotPermitted

# Full name / phone / e-mail of an owner: the people who call owners back. Not the admin:
# administering the platform is no reason to read personal data (docs/intake.md).
REVEAL_ROLES = frozenset({"front_desk", "supervisor", "project_manager"})

# Deepest row a ledger page may start at: deeper pages are refused (narrow the dates instead), so
# an out-of-range page number is a 422 and never an 8-byte overflow or a scan of the whole register.
MAX_LEDGER_OFFSET = 10_000


def check_may_reveal(role: str) -> None:
    if role not in REVEAL_ROLES:
        raise NotPermitted("仅客服、客服主管、项目经理可查看完整联系方式", f"role {role} may not reveal personal data")


def check_ledger_window(page: int, page_size: int) -> None:
    if (page - 1) * page_size >= MAX_LEDGER_OFFSET:
        raise InvalidQuery(
            [
                FieldProblem(
                    "page",
                    f"页码过大：最多查看前 {MAX_LEDGER_OFFSET} 条，请缩小日期范围",
                    f"page too deep: only the first {MAX_LEDGER_OFFSET} rows can be paged, narrow the dates",
                )
            ]
        )


def sees_clear_text(role: str) -> bool:
    """Owners' free text in clear: the roles that may reveal the owner's contact (they call back);
    the other readers (handlers, leadership) get it redacted like subscribers of the bus do."""
    return role in REVEAL_ROLES


def redact_item(view: dict[str, Any]) -> dict[str, Any]:
    """A staff view of an item with the owner's free texts redacted (pm_common.redaction)."""
    view = copy.deepcopy(view)
    reg = view.get("registration") or {}
    for key in ("content", "matter"):
        if isinstance(reg.get(key), str):
            reg[key] = redact(reg[key])
    location = reg.get("location") or {}
    if isinstance(location.get("area"), str):
        location["area"] = redact(location["area"])
    for entry in [*view.get("supplements", []), *view.get("timeline", [])]:
        for key in ("text", "note"):
            if isinstance(entry.get(key), str):
                entry[key] = redact(entry[key])
    resolution = view.get("resolution") or {}
    if isinstance(resolution.get("answer"), str):
        resolution["answer"] = redact(resolution["answer"])
    return view


def redact_rows(page: dict[str, Any]) -> dict[str, Any]:
    items = [{**row, "content": redact(row["content"])} if row.get("content") else row for row in page["items"]]
    return {**page, "items": items}
