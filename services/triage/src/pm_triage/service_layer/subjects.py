"""The staff a complaint is about (被投诉人) after registration, on triage's record, order-safe.

``complaint.subjects_changed`` (revision 1, 2, …) is first kept in the subjects store (per complaint,
highest revision wins), then applied to the triage record if it exists. The record is written once,
from ``complaint.received`` (revision 0), and then takes the stored change (``after_received``): a
change that came first waits in the store, and whichever of the two runs second applies it. The
record's reads (``GET /v1/triages/{id}``, reviews, incidents) hide it from the listed staff."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pm_common.events.subjects import ComplaintSubjectsChanged


class SubjectsStore(Protocol):
    async def record(self, complaint_id: str, estate_id: str, staff_ids: Iterable[str], revision: int) -> bool: ...
    async def latest(self, complaint_id: str) -> tuple[int, tuple[str, ...]]: ...


class TriageRecords(Protocol):
    async def apply_subjects(self, complaint_id: str, staff_ids: tuple[str, ...], revision: int) -> bool: ...


async def on_subjects_changed(changed: ComplaintSubjectsChanged, store: SubjectsStore, records: TriageRecords) -> None:
    """Idempotent: a revision not above the stored one changes neither the store nor the record."""
    await store.record(changed.complaint_id, changed.estate_id, changed.subject_staff_ids, changed.revision)
    await after_received(changed.complaint_id, store, records)


async def after_received(complaint_id: str, store: SubjectsStore, records: TriageRecords) -> None:
    """Apply the newest stored change to the record (no-op without a record or without a change)."""
    revision, staff_ids = await store.latest(complaint_id)
    if revision > 0:
        await records.apply_subjects(complaint_id, staff_ids, revision)
