"""In-memory fakes of the intake ports (same behaviour the Mongo adapters promise)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from pm_intake.domain.ledger import LedgerPage, LedgerQuery, cursor_after, matches, remaining
from pm_intake.domain.ledger_index import content_of, row_of
from pm_intake.service_layer.ports import AlreadyExists, Event

ESTATES = {e: {"_id": e, "timezone": "Asia/Shanghai"} for e in ("SUNNY", "JADE")}


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        doc = doc.setdefault(part, {})
    doc[last] = value


def apply(doc: dict[str, Any], update: dict[str, Any]) -> None:
    for path, value in update.get("$set", {}).items():
        _set(doc, path, copy.deepcopy(value))
    for path, value in update.get("$push", {}).items():
        items = value["$each"] if isinstance(value, dict) and "$each" in value else [value]
        doc.setdefault(path, []).extend(copy.deepcopy(items))
    for path, value in update.get("$inc", {}).items():
        doc[path] = doc.get(path, 0) + value


class FakeRepo:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.events: list[Event] = []
        self.counters: dict[str, int] = {}
        self.reindexed: list[str] = []
        self.released: list[tuple[str, int]] = []  # numbers given back by refused / replayed requests
        self.pointers: set[str] = set()  # outbox pointers announced and not abandoned

    async def estate(self, estate_id: str) -> dict[str, Any] | None:
        return ESTATES.get(estate_id)

    async def next_sequence(self, estate_id: str, day: str) -> int:
        key = f"{estate_id}:{day}"
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]

    def release_sequence(self, estate_id: str, day: str, number: int) -> None:
        self.released.append((f"{estate_id}:{day}", number))

    async def announce(self, complaint_id: str, event_ids: list[str]) -> str:
        self.pointers.add(event_ids[0])
        return event_ids[0]

    async def abandon(self, pointer: str) -> None:
        self.pointers.discard(pointer)

    async def insert(self, document: dict[str, Any], events: list[Event], announced: str | None = None) -> None:
        if document["_id"] in self.docs:
            raise AlreadyExists(document["_id"])
        self.docs[document["_id"]] = copy.deepcopy(document)
        self.events.extend(events)

    def _public(self, doc: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy({k: v for k, v in doc.items() if k != "pii"})

    async def get(self, complaint_id: str) -> dict[str, Any] | None:
        doc = self.docs.get(complaint_id)
        return self._public(doc) if doc else None

    async def personal_data(self, complaint_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.docs.get(complaint_id, {}).get("pii"))

    async def update(
        self,
        complaint_id: str,
        expected_status: str,
        update: dict[str, Any],
        events: list[Event],
        guard: dict[str, Any] | None = None,
    ) -> bool:
        doc = self.docs.get(complaint_id)
        if doc is None or doc["status"] != expected_status:
            return False
        if any(doc.get(k) != v for k, v in (guard or {}).items()):
            return False
        apply(doc, update)
        self.events.extend(events)
        return True

    async def apply_downstream(
        self, complaint_id: str, event_id: str, expected_status: str, update: dict[str, Any]
    ) -> bool:
        doc = self.docs.get(complaint_id)
        if doc is None or doc["status"] != expected_status or event_id in doc["processed_events"]:
            return False
        apply(doc, update)
        doc["processed_events"].append(event_id)
        return True

    async def for_owner(self, field: str, value: str) -> list[dict[str, Any]]:
        return [self._public(d) for d in self.docs.values() if d.get(field) == value]

    async def search(self, query: LedgerQuery) -> LedgerPage:
        """The same filters and keyset order as the Mongo index, straight over the stored documents."""
        found = {d["_id"]: d for d in self.docs.values() if matches(row_of(d), query, content_of(d))}
        rows = remaining([row_of(d) for d in found.values()], query)
        page = rows[: query.page_size]
        more = len(rows) > len(page)
        cursor = cursor_after(page[-1], query) if more and page else None
        return LedgerPage([self._public(found[r.cid]) for r in page], len(found), cursor)

    async def ensure_indexed(self, complaint_id: str) -> None:
        self.reindexed.append(complaint_id)


class FakeAudit:
    def __init__(self) -> None:
        self.log: list[dict[str, Any]] = []

    async def record(self, entry: dict[str, Any]) -> str:
        self.log.append(entry)
        return str(entry["_id"])

    async def entries(self, complaint_id: str) -> list[dict[str, Any]]:
        return [e for e in self.log if e["complaint_id"] == complaint_id]


class FakeOtps:
    def __init__(self) -> None:
        self.codes: dict[str, dict[str, Any]] = {}

    async def save(self, phone_key: str, code_hash: str, expires_at: datetime) -> None:
        self.codes[phone_key] = {"code_hash": code_hash, "expires_at": expires_at, "attempts": 0}

    async def get(self, phone_key: str) -> dict[str, Any] | None:
        return self.codes.get(phone_key)

    async def count_attempt(self, phone_key: str) -> int:
        self.codes[phone_key]["attempts"] += 1
        return int(self.codes[phone_key]["attempts"])

    async def delete(self, phone_key: str) -> None:
        self.codes.pop(phone_key, None)


class FakeSms:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, str]]] = []

    async def enqueue(self, phone: str, template: str, params: dict[str, str], at: datetime) -> None:
        self.sent.append((phone, template, params))


class FakeKeys:
    def __init__(self) -> None:
        self.keys: dict[str, dict[str, Any]] = {}

    async def add(self, document: dict[str, Any]) -> None:
        self.keys[document["_id"]] = document

    async def get(self, key_id: str) -> dict[str, Any] | None:
        return self.keys.get(key_id)

    async def all(self) -> list[dict[str, Any]]:
        return list(self.keys.values())

    async def revoke(self, key_id: str, at: datetime) -> bool:
        if key_id not in self.keys or self.keys[key_id]["revoked_at"]:
            return False
        self.keys[key_id]["revoked_at"] = at
        return True
