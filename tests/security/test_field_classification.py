"""Personal data on topics (issue #9): every field of every registered event payload has a
classification, none carries personal data in clear, no field is named like a contact, and free
text is redacted (real-looking owners' texts; intake applies it: services/intake/tests/unit/test_redaction.py)."""

from __future__ import annotations

import pytest

from pm_common.events.classification import CONTACT_NAMES, MASKED_SUFFIX, classification_table, field_paths
from pm_common.events.registry import EVENT_TYPES, HISTORY
from pm_common.redaction import BANK_CARD_TAG, ID_CARD_TAG, redact

pytestmark = pytest.mark.unit
CURRENT = {event_type: model for event_type, (_version, model) in EVENT_TYPES.items()}


def test_every_field_of_every_event_is_classified() -> None:
    table = classification_table(CURRENT)
    missing = [f"{t}: {p}" for t, fields in table.items() for p, c in fields.items() if c is None]
    assert not missing, "classify these in pm_common/events/classification.py (FIELDS or RULES): " + ", ".join(missing)


def test_no_event_carries_personal_data_in_clear() -> None:
    table = classification_table(CURRENT)
    personal = [f"{t}: {p}" for t, fields in table.items() for p, c in fields.items() if c == "personal"]
    assert not personal
    models = [*CURRENT.values(), *HISTORY.values()]
    contact_like = [
        f"{model.__name__}.{path}"
        for model in models
        for path in field_paths(model)
        if CONTACT_NAMES.search(path.rsplit(".", 1)[-1]) and not path.endswith(MASKED_SUFFIX)
    ]
    assert not contact_like, f"an owner's contact never goes on a topic: {contact_like}"


REAL_LOOKING = [
    (
        "我叫张伟，住3栋2单元501，电话13812345678，楼上漏水三天了没人管！",
        ["13812345678", "张伟"],
        ["138****5678", "张*", "3栋2单元501"],
    ),
    (
        "业主王秀英（身份证号 440305198807152345）反映车位被 粤B·D12345 长期占用，请联系 0755-86001234",
        ["440305198807152345", "D12345", "86001234"],
        [ID_CARD_TAG, "0755-****1234"],
    ),
    (
        "退费请打到工行卡 6222 0212 3456 7890 123，有事发邮件 liu.yang@example.com 或加微信 liuyang_88",
        ["6222 0212 3456 7890 123", "liu.yang@", "liuyang_88"],
        [BANK_CARD_TAG, "l***@example.com"],
    ),
    (
        "联系人：欧阳娜娜 +86 139-8765-4321，白天不在家",
        ["欧阳娜娜", "139-8765-4321", "98765"],
        ["欧***", "139****4321"],
    ),
    ("物业费3200元是2024年8月15日交的，单号20240815，5号楼", [], ["3200", "20240815", "5号楼"]),
]


@pytest.mark.parametrize(("text", "gone", "kept"), REAL_LOOKING)
def test_redaction_of_real_looking_owner_texts(text: str, gone: list[str], kept: list[str]) -> None:
    redacted = redact(text, known=["张伟"])
    for secret in gone:
        assert secret not in redacted, (secret, redacted)
    for visible in kept:
        assert visible in redacted, (visible, redacted)
    assert redact(redacted, known=["张伟"]) == redacted  # idempotent: redacting twice changes nothing
