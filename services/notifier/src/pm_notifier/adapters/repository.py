"""Mongo state of the notifier: every notification sent (with outbox)."""

from __future__ import annotations

from typing import Any

from pm_common import topics
from pm_common.events import Envelope
from pm_common.mongo import IndexModel, Mongo, insert_once, new_with_outbox

NOTIFICATIONS = "notifications"


class MongoNotificationRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.notifications = mongo.collection(NOTIFICATIONS)

    @staticmethod
    async def create_indexes(mongo: Mongo) -> None:
        await mongo.collection(NOTIFICATIONS).create_indexes(
            [
                IndexModel([("complaint_id", 1), ("sent_at", 1)]),
                IndexModel([("outbox_pending", 1)]),
            ]
        )

    async def add_once(self, document: dict[str, Any], event: Envelope) -> bool:
        return await insert_once(self.notifications, new_with_outbox(document, (topics.FEEDBACK_SENT, event)))

    async def for_complaint(self, complaint_id: str) -> list[dict[str, Any]]:
        cursor = self.notifications.find({"complaint_id": complaint_id}, {"outbox": 0, "outbox_pending": 0})
        return [doc async for doc in cursor.sort("sent_at", 1)]
