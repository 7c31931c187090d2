"""Release 11 (docs/triage.md): 不 right before a dangerous state denies it (它不咬人, 不烫), as
没有 does; a question's 不 (是不是, 会不会) does not; and 没有水 inside 有没有水质报告 is a question,
no supply cut — neither for the hazard rules nor for the lexicon's urgent trigger."""

from __future__ import annotations

import pytest

from pm_triage.domain.classification import Classifier
from pm_triage.domain.classification.hazards import HazardRules
from pm_triage.domain.classification.lexicon import compile_lexicon, load_default_lexicon

pytestmark = pytest.mark.unit

LEXICON = compile_lexicon(load_default_lexicon())
HAZARDS = HazardRules.default(LEXICON.replacements)
RULES = Classifier(LEXICON)


def _now(text: str) -> set[str]:
    return {h.family for h in HAZARDS.find(RULES.normalized(text)) if h.modality == "now"}


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("狗主人还说它不咬人，你们能不能管管遛狗不牵绳的", "violence"),
        ("想问下小区水箱多久洗一次，有没有水质检测报告可以看", "outage"),
        ("家里有没有水啊，我想问问明天的停水通知", "outage"),
    ],
)
def test_a_denied_or_asked_state_is_no_hazard(text: str, family: str) -> None:
    assert family not in _now(text)


def test_the_lexicon_trigger_inside_a_question_is_no_urgent_cue() -> None:
    result = RULES.classify("想问一下小区的水箱多久清洗一次，有没有水质检测报告，能不能贴出来")
    assert result.urgency != "urgent"
    assert not any(e.feature == "urgency:urgent" and e.value == "没有水" for e in result.evidence)


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("那条狗不停地咬人，已经咬了两个小孩了", "violence"),  # 不停地 is no denial
        ("会不会是燃气泄漏，现在满屋子煤气味", "gas"),  # a question's 不
        ("电箱不停冒烟，还有噼啪声", "electric"),
        ("我家一点水都没有了，突然停的，楼上也没水", "outage"),  # no 有没有 here
        ("那只狗不咬人吗？刚把快递员咬出血了", "person"),
    ],
)
def test_the_twins_stay_urgent(text: str, family: str) -> None:
    assert family in _now(text)
    assert RULES.classify(text).urgency == "urgent"
