"""Marking published (or parked) outbox entries in their document (used by :mod:`pm_common.kafka.outbox`)."""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from pm_common.metrics import OUTBOX_PARKED
from pm_common.mongo import Collection
from pm_common.versioned import VersionedCollection

log = logging.getLogger(__name__)

PARKED = "outbox_parked"


async def mark(
    db: Any,
    coll: Collection,
    doc_id: Any,
    version: int | None,
    sent: list[str],
    parked: list[tuple[str, dict[str, Any], str]],
) -> None:
    """Remove the sent entries from the document's outbox and move the parked ones to ``outbox_parked``
    (listed in the ``outbox_parked`` collection too). A document with a ``version`` is written by
    several processes: the marking then takes part in its optimistic concurrency."""
    now = datetime.now(UTC)

    def marking(present: set[str]) -> dict[str, Any] | None:
        """The update that marks what is still in the outbox as sent or parked."""
        out = [e for e in sent if e in present]
        park = [(e, entry, reason) for e, entry, reason in parked if e in present]
        if not out and not park:
            return None
        update: dict[str, Any] = {
            "$inc": {"outbox_pending": -(len(out) + len(park))},
            "$unset": {f"outbox.{e}": "" for e in [*out, *(p[0] for p in park)]},
        }
        if park:
            update["$set"] = {f"{PARKED}.{e}": {**en, "reason": r[:2000], "parked_at": now} for e, en, r in park}
        return update

    if version is None:
        update = marking(set(sent) | {p[0] for p in parked})
        if update is not None:
            await coll.update_one({"_id": doc_id}, update)
    else:

        def decide(doc: dict[str, Any]) -> dict[str, Any] | None:
            return marking(set(doc.get("outbox") or {}))  # another relay may have marked some

        await VersionedCollection(coll).mutate(doc_id, decide)
    for event_id, entry, reason in parked:
        OUTBOX_PARKED.labels(str(entry.get("topic"))).inc()
        log.error("outbox entry %s of %s/%r parked: %s", event_id, coll.name, doc_id, reason)
        with contextlib.suppress(Exception):  # the listing is a convenience; the entry is in the doc
            await db[PARKED].replace_one(
                {"_id": event_id},
                {"c": coll.name, "d": doc_id, "topic": entry.get("topic"), "reason": reason[:2000], "at": now},
                upsert=True,
            )
