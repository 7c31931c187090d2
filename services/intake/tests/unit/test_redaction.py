"""Free text leaves intake only redacted (issue #9): the event of a registration, a supplement and a
withdrawal carries masked phone / ID-card numbers and names; the stored item keeps the clear text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from intake_fakes import FakeRepo

from pm_common.redaction import ID_CARD_TAG
from pm_intake.domain.channels import Submitter
from pm_intake.domain.model import Registration
from pm_intake.service_layer import handlers
from pm_intake.service_layer.policy import IntakePolicy

pytestmark = pytest.mark.unit


async def test_intake_puts_only_redacted_text_on_the_topic_and_keeps_the_clear_text() -> None:
    repo = FakeRepo()
    text = "我是李四，手机13900001111，身份证110101199003071234，电梯坏了"
    item = Registration.model_validate(
        {"estate_id": "SUNNY", "channel": "phone", "content": text, "owner": {"name": "李四", "phone": "13900001111"}}
    )
    filer = handlers.Filer("desk-1", "staff:desk-1", Submitter(False))
    ack = await handlers.register(item, filer, repo, IntakePolicy(owner_secret="s" * 32), datetime.now(UTC))
    _topic, event = repo.events[0]
    wire = event.model_dump_json()
    assert "13900001111" not in wire and "李四" not in wire and "110101199003071234" not in wire
    assert event.data["content"] == f"我是李*，手机139****1111，身份证{ID_CARD_TAG}，电梯坏了"
    assert repo.docs[ack.complaint_id]["registration"]["content"] == text  # the clear text stays in intake


async def test_an_owners_supplement_and_withdrawal_reason_go_out_redacted() -> None:
    from pm_intake.domain.identity import verify_owner_token
    from pm_intake.service_layer import owner

    repo, policy, now = FakeRepo(), IntakePolicy(owner_secret="s" * 32), datetime.now(UTC)
    filer = handlers.Filer("desk-1", "staff:desk-1", Submitter(False))
    item = Registration.model_validate({"estate_id": "SUNNY", "channel": "anonymous", "content": "楼道灯不亮"})
    ack = await handlers.register(item, filer, repo, policy, now)
    assert ack.tracking_token is not None
    session = await owner.session_from_tracking(ack.tracking_token, repo, policy, now)
    me = verify_owner_token(policy.owner_secret, session, now.timestamp())
    await owner.supplement(me, ack.complaint_id, "我叫王芳，回电话 13812341234", [], repo, policy, now)
    await owner.withdraw(me, ack.complaint_id, "已和保安 0755-86001234 沟通", repo, now)
    supplemented, withdrawn = repo.events[1][1], repo.events[2][1]
    assert supplemented.data["text"] == "我叫王*，回电话 138****1234"
    assert withdrawn.data["reason"] == "已和保安 0755-****1234 沟通"
    stored = repo.docs[ack.complaint_id]
    assert stored["supplements"][0]["text"] == "我叫王芳，回电话 13812341234"  # clear in intake only
