"""Compositional hazard rules, the asymmetric urgent decision and the complaint grade (pure domain)."""

from __future__ import annotations

import pytest

from pm_triage.domain.classification import Classifier
from pm_triage.domain.classification.decision import DecisionPolicy, decide_urgent
from pm_triage.domain.classification.grade import propose_grade
from pm_triage.domain.classification.hazards import HazardHit, HazardRules

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def hazards() -> HazardRules:
    return HazardRules.default()


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.default()


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("货梯运行的时候忽然往下沉了一大截，现在卡着不动", "lift"),
        ("电梯门没关严就开始往下走了，里面还有两个老人", "lift"),
        ("楼道墙上那个电闸箱一直啪啪地打火，墙都熏黑了", "electric"),
        ("地下车库的顶上在往下淌水，正好淋在那排配电柜上", "water_electric"),
        ("大风把五楼的一块窗玻璃吹得松了，整块在晃", "structure"),
        ("中庭那个井盖被掀开了没人管，已经有人差点踩空", "pit"),
        ("楼梯间里冒出好多烟，呛得人睁不开眼", "fire"),
        ("小区门口一个老人突然倒下了，怎么叫都不醒", "person"),
        ("四楼阳台上有个孩子站在花架上往外探身子", "height"),
        ("有个陌生男人在楼道里挨家挨户推门", "violence"),
    ],
)
def test_object_and_dangerous_state_happening_now(hazards: HazardRules, text: str, family: str) -> None:
    hits = {h.family: h for h in hazards.find(text)}
    assert family in hits and hits[family].modality == "now", hits


@pytest.mark.parametrize(
    "text",
    [
        "电梯最近老是有异响，担心哪天会困人",
        "楼道里堆的纸箱子太多了，万一着火就麻烦了",
        "外墙有几块瓷砖空鼓了，怕以后会掉",
        "电梯上周困过一次人，现在修好了",
        "插座里面好像有点受潮，怕以后漏电",
    ],
)
def test_a_described_risk_is_latent(hazards: HazardRules, text: str) -> None:
    assert all(h.modality == "risk" for h in hazards.find(text)), hazards.find(text)


def test_negation_and_benign_sources_are_no_hazard(hazards: HazardRules) -> None:
    assert hazards.find("家里没有燃气味，就是灶打不着火") == []
    assert hazards.find("小区里有人在公共区域烧纸，烟很大") == []
    assert [h.family for h in hazards.find("有人烧纸把晾的衣服点着了")] == ["fire"]


def test_a_negation_scopes_over_the_noun_phrase_it_precedes(hazards: HazardRules) -> None:
    # 没有[煤气]味: the negator precedes the object that the state ends; another gas object later in
    # the text (燃气表) must not pair with the negated smell
    assert hazards.find("家里没有煤气味，就是燃气表那个阀门有点锈，转不太动") == []
    assert hazards.find("没闻到燃气味，就是燃气灶的火是黄的") == []
    assert hazards.find("不是水管爆了，是楼上空调滴水") == []
    # the same phrases without the negation are hazards happening now
    assert [h.modality for h in hazards.find("家里一股煤气味，燃气表那里嘶嘶响")] == ["now"]
    assert [h.family for h in hazards.find("水管爆了，水往外喷")] == ["water"]


def test_a_hazard_that_came_back_today_is_happening_now(hazards: HazardRules) -> None:
    assert [h.modality for h in hazards.find("昨天楼道里有煤气味，今天又有了，比昨天还浓")] == ["now"]


def test_a_past_life_safety_event_not_said_to_be_over_is_a_credible_signal(classifier: Classifier) -> None:
    result = classifier.classify("电梯昨天把我邻居关里面半小时，你们维保到现在都没个说法")
    assert result.urgency == "urgent" and result.review_reasons == ["urgent_uncertain"]


def _hit(modality: str) -> HazardHit:
    return HazardHit("lift", "engineering", True, "电梯", "困", modality, 0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("hits", "p", "lexicon", "urgent", "uncertain"),
    [
        ([_hit("now")], 0.9, False, True, False),  # rule and model agree
        ([_hit("now")], 0.1, False, True, True),  # rule says now, model unsure: urgent + review
        ([], 0.95, False, True, True),  # model alone, very sure: urgent + review (no rule)
        ([], 0.6, False, True, True),
        ([], 0.1, True, True, True),  # a lexicon trigger alone (estate overlay)
        ([_hit("risk")], 0.3, False, True, True),  # a described risk the model half believes
        ([_hit("risk")], 0.05, True, False, False),  # the lexicon trigger was inside the risk
        ([], 0.1, False, False, False),
    ],
)
def test_urgent_is_decided_with_asymmetric_cost(
    hits: list[HazardHit], p: float, lexicon: bool, urgent: bool, uncertain: bool
) -> None:
    decision = decide_urgent(hits, p, lexicon, DecisionPolicy())
    assert (decision.urgent, decision.uncertain) == (urgent, uncertain)


def test_uncertain_urgent_items_are_marked_for_review_never_general(classifier: Classifier) -> None:
    result = classifier.classify("地下车库的顶上在往下淌水，正好淋在那排配电柜上")
    assert result.urgency == "urgent"
    assert result.confidence <= 1.0 and result.model_version and result.model_version.startswith("lin-")


@pytest.mark.parametrize(
    ("text", "kwargs", "grade", "evidence"),
    [
        ("电梯困人了", {"urgent": True, "hazard": _hit("now"), "scope": "building"}, "major", "safety:lift"),
        ("好几栋楼都停水了", {"urgent": True, "hazard": None, "scope": "group"}, "major", "group_impact"),
        ("再不修我就找记者曝光", {"urgent": False, "hazard": None, "scope": "unit"}, "major", "media_or_government"),
        ("楼道灯反映了三次还没人修", {"urgent": False, "hazard": None, "scope": "building"}, "major", "repeated"),
        ("装修把我家地板泡坏了，损失两万", {"urgent": False, "hazard": None, "scope": "unit"}, "major", "high_value"),
        ("整栋楼停水了", {"urgent": True, "hazard": None, "scope": "building"}, "important", "urgent"),
        ("楼道灯又坏了", {"urgent": False, "hazard": None, "scope": "building"}, "important", "repeat"),
        ("建议多种点树", {"urgent": False, "hazard": None, "scope": "estate"}, "minor", "routine"),
    ],
)
def test_grade_is_proposed_with_evidence(text: str, kwargs: dict[str, object], grade: str, evidence: str) -> None:
    proposal = propose_grade(text, emotional=False, category="engineering", out_of_scope=False, **kwargs)  # type: ignore[arg-type]
    assert proposal.grade == grade
    assert any(item.startswith(evidence) for item in proposal.evidence), proposal.evidence


def test_classification_carries_grade_and_emotion(classifier: Classifier) -> None:
    result = classifier.classify("你们物业到底管不管！楼上水管爆了水一直往我家灌，打了十几个电话没人来！！")
    assert result.urgency == "urgent" and result.emotional is True
    assert result.grade in ("major", "important") and result.grade_evidence
