"""Intake rules and the register handler with an in-memory repository."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from pm_common.events import Envelope
from pm_intake.domain.model import Registration, UnknownEstate, mask_name, mask_phone, reference_number
from pm_intake.service_layer import handlers

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai


class FakeRepo:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.events: list[Envelope] = []
        self.counters: dict[str, int] = {}

    async def estate(self, estate_id: str) -> dict[str, Any] | None:
        return {"_id": estate_id, "timezone": "Asia/Shanghai"} if estate_id == "SUNNY" else None

    async def next_sequence(self, estate_id: str, day: str) -> int:
        key = f"{estate_id}:{day}"
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]

    async def add(self, document: dict[str, Any], event: Envelope) -> None:
        self.docs[document["_id"]] = document
        self.events.append(event)

    async def apply_downstream(self, complaint_id: str, event_id: str, update: dict[str, Any]) -> bool:
        return True


def test_masking_and_reference_format() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_name("张三丰") == "张**"
    assert reference_number("SUNNY", "20261122", 42) == "SUNNY-20261122-0042"


async def test_register_acknowledges_with_local_day_reference_and_masked_event() -> None:
    repo = FakeRepo()
    reg = Registration.model_validate(
        {"estate_id": "SUNNY", "channel": "phone", "content": "楼道灯不亮", "owner": {"name": "李四", "phone": "13900001111"}}
    )
    ack = await handlers.register(reg, "desk-1", repo, NOW)
    assert ack.reference_no == "SUNNY-20261122-0001"
    second = await handlers.register(reg, "desk-1", repo, NOW)
    assert second.reference_no == "SUNNY-20261122-0002"
    event = repo.events[0]
    assert event.data["owner_phone_masked"] == "139****1111" and "13900001111" not in event.model_dump_json()
    assert "感谢" in ack.message and ack.next_contact_by > NOW


async def test_anonymous_registration_stores_no_identity() -> None:
    repo = FakeRepo()
    reg = Registration.model_validate({"estate_id": "SUNNY", "channel": "anonymous", "content": "保安夜里睡觉"})
    ack = await handlers.register(reg, "wechat-gw", repo, NOW)
    doc = repo.docs[ack.complaint_id]
    assert "owner" not in doc["registration"] and repo.events[0].data["anonymous"] is True
    with pytest.raises(ValidationError):
        Registration.model_validate(
            {"estate_id": "SUNNY", "channel": "anonymous", "content": "x" * 5, "owner": {"name": "王五"}}
        )


async def test_unknown_estate_is_refused() -> None:
    reg = Registration.model_validate({"estate_id": "NOPE", "channel": "app", "content": "电梯坏了"})
    with pytest.raises(UnknownEstate):
        await handlers.register(reg, "desk-1", FakeRepo(), NOW)
