"""Mongo state of estate configuration: lexicon overlays, with a change history."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from pm_common.mongo import IndexModel, Mongo

LEXICONS = "lexicons"
CONFIG_HISTORY = "config_history"


class MongoEstateConfigRepository:
    """One document per estate and kind, replaced whole (no field-level merge, so no lost update can
    mix two versions); every change is also appended to ``config_history`` (who, when, what)."""

    def __init__(self, mongo: Mongo) -> None:
        self.lexicons = mongo.collection(LEXICONS)
        self.history = mongo.collection(CONFIG_HISTORY)

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        await mongo.collection(CONFIG_HISTORY).create_indexes([IndexModel([("estate_id", 1), ("at", -1)])])

    async def lexicon(self, estate_id: str) -> dict[str, Any] | None:
        doc = await self.lexicons.find_one({"_id": estate_id})
        if doc is not None:  # stored as JSON text: lexicon terms may hold characters field names cannot
            doc["overlay"] = json.loads(doc["overlay"])
        return doc

    async def save_lexicon(self, document: dict[str, Any]) -> None:
        stored = {**document, "overlay": json.dumps(document["overlay"], ensure_ascii=False)}
        await self.lexicons.replace_one({"_id": document["_id"]}, stored, upsert=True)
        await self._log(document["_id"], "lexicon", document["overlay"], document["updated_by"], document["updated_at"])

    async def _log(self, estate_id: str, kind: str, value: Any, staff: str, now: datetime) -> None:
        await self.history.insert_one(
            {
                "_id": uuid.uuid4().hex,
                "estate_id": estate_id,
                "kind": kind,
                "value": json.dumps(value, ensure_ascii=False),
                "by": staff,
                "at": now,
            }
        )
