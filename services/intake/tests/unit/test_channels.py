"""Per-channel required fields, forbidden identity on anonymous items, recording notice, key scopes,
attachment limits."""

from __future__ import annotations

from typing import Any

import pytest
from channel_cases import MINIMAL  # shared with the integration tests (tests/conftest.py puts unit/ on the path)

from pm_intake.domain.channels import AttachmentLimits, Submitter, check_attachments, check_registration
from pm_intake.domain.errors import AttachmentTooLarge, InvalidRegistration
from pm_intake.domain.model import Registration

pytestmark = pytest.mark.unit
STAFF = Submitter(False)
CTI = Submitter(True, frozenset({"phone"}))


def reg(channel: str, **fields: Any) -> Registration:
    return Registration.model_validate({"estate_id": "SUNNY", "channel": channel, "content": "楼道灯不亮", **fields})


def problems(item: Registration, who: Submitter = STAFF, strict: bool = False) -> set[str]:
    try:
        check_registration(item, who, staff_phone_needs_call_id=strict)
    except InvalidRegistration as exc:
        assert all(p.reason and p.reason_en for p in exc.problems)
        return {p.field for p in exc.problems}
    return set()


@pytest.mark.parametrize("channel", sorted(MINIMAL))
def test_each_channel_accepts_its_minimal_fields_and_names_what_is_missing(channel: str) -> None:
    fields, required = MINIMAL[channel]
    assert problems(reg(channel, **fields)) == set()
    assert problems(reg(channel)) == required


def test_phone_from_the_cti_needs_call_id_recording_and_notice() -> None:
    assert problems(reg("phone", owner={"phone": "13812341234"}), CTI) == {
        "channel_details.call_id",
        "channel_details.recording_ref",
        "channel_details.recording_notice_given",
    }
    full = {"call_id": "C1", "recording_ref": "R1", "recording_notice_given": True}
    assert problems(reg("phone", owner={"phone": "13812341234"}, channel_details=full), CTI) == set()
    assert "channel_details.call_id" in problems(reg("phone", owner={"phone": "1381234"}), STAFF, strict=True)


def test_a_recording_is_only_accepted_when_the_caller_was_told() -> None:
    item = reg("phone", owner={"phone": "13812341234"}, channel_details={"recording_ref": "R1"})
    assert problems(item) == {"channel_details.recording_notice_given"}


def test_anonymous_items_carry_no_identity_nor_identifying_references() -> None:
    assert problems(reg("anonymous", owner={"room": "1201"})) == {"owner"}
    assert problems(reg("anonymous", channel_details={"call_id": "C1"})) == {"channel_details.call_id"}


def test_readback_only_for_oral_channels_and_keys_only_on_their_channels() -> None:
    assert problems(reg("app", hold_for_readback=True)) == {"hold_for_readback"}
    assert problems(reg("app"), CTI) == {"channel"}
    assert problems(reg("open311"), STAFF) == {"channel"}


def test_attachment_limits() -> None:
    limits = AttachmentLimits(1000, 2, ("image/",))
    photo = {"kind": "photo", "ref": "p1", "content_type": "image/jpeg", "size_bytes": 10}
    check_attachments(reg("app", evidence=[photo]).evidence, limits)
    with pytest.raises(AttachmentTooLarge):
        check_attachments(reg("app", evidence=[{**photo, "size_bytes": 1001}]).evidence, limits)
    with pytest.raises(InvalidRegistration):
        check_attachments(reg("app", evidence=[{**photo, "content_type": "application/x-msdownload"}]).evidence, limits)
    with pytest.raises(InvalidRegistration):
        check_attachments(reg("app", evidence=[photo] * 3).evidence, limits)
