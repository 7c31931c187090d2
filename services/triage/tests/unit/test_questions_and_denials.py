"""Release 11 (docs/triage.md): 不 touching a dangerous state denies it (它不咬人), as 没有 does; not
这不 (look: …), a question's 不 (是不是, 漏不漏电), nor a 不 across a pause; 不 before the object
denies nothing. 水质 is a word: 有没有水质报告 holds no 没有水, while 还有没电的吗 is a cut."""

from __future__ import annotations

import pytest
from rules_kit import RULES, now_families

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("狗主人还说它不咬人，你们能不能管管遛狗不牵绳的", "violence"),
        ("想问下小区水箱多久洗一次，有没有水质检测报告可以看", "outage"),
    ],
)
def test_a_denied_or_asked_state_is_no_hazard(text: str, family: str) -> None:
    assert family not in now_families(text)


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
        # the review's regressions of the first version of this rule
        ("这不树倒了，压在车上", "tree"),
        ("这不电梯又往下掉了，里面还有人", "lift"),
        ("你看这不着火了吗", "fire"),
        ("我跟你说不 起火了快来", "fire"),
        ("我们楼里还有没电的吗？我家也停了", "outage"),
        ("都停了三个小时了，到底还有没有电", "outage"),
        ("插座漏不漏电啊，一摸就麻", "electric"),
    ],
)
def test_the_twins_stay_urgent(text: str, family: str) -> None:
    assert family in now_families(text)
    assert RULES.classify(text).urgency == "urgent"
