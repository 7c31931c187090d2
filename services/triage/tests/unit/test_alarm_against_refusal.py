"""Release 13: the text-only alarm alone (no hazard rule, no lexicon trigger) that reads a matter
outside the property's duties needs ``alarm_against_rules``, the signal it needs against rules that
read a risk; a bill told in a hurry (赶快处理, 再不处理) is referred, an emergency told in a hurry is
still urgent."""

from __future__ import annotations

import pytest

from pm_triage.domain.classification import Classifier
from pm_triage.domain.classification.decision import DecisionPolicy
from pm_triage.domain.classification.lexicon import compile_lexicon, load_default_lexicon
from pm_triage.domain.classification.linear_model import load_triage_model

pytestmark = pytest.mark.unit
BILL = "自来水公司抄表的说我家用了三十吨，不可能，赶快处理，再不处理我就投诉到底！"  # corpus/dev.tsv


@pytest.fixture(scope="module")
def shipped() -> Classifier:
    return Classifier.default()


def test_a_bill_told_in_a_hurry_is_referred_not_urgent(shipped: Classifier) -> None:
    result = shipped.classify(BILL)
    alarm = next(e.weight for e in result.evidence if e.feature == "model:alarm")
    assert DecisionPolicy().alarm <= alarm < DecisionPolicy().alarm_against_rules  # the alarm alone would fire
    assert result.urgency == "general" and result.out_of_scope and result.out_of_scope_reason == "outside_duties"


def test_without_the_stronger_threshold_the_alarm_would_win() -> None:
    weak = Classifier(
        compile_lexicon(load_default_lexicon()), load_triage_model(), policy=DecisionPolicy(alarm_against_rules=0.0)
    )
    result = weak.classify(BILL)
    assert result.urgency == "urgent" and not result.out_of_scope


@pytest.mark.parametrize("text", ["快来人啊 我家楼下有人拿刀追着人砍", "赶快来人 电梯里关着我妈 按铃没人理"])
def test_an_emergency_told_in_a_hurry_stays_urgent(shipped: Classifier, text: str) -> None:
    assert shipped.classify(text).urgency == "urgent"
