"""Unit tests of the explainable triage classifier (pure domain, no infrastructure)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pm_triage.domain.classification import Classification, Classifier

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[4]
# A copy of ../shared/data/triage_dev.tsv kept in the repo, so CI never runs without it.
DEV_SAMPLE = REPO_ROOT / "services/triage/data/triage_dev.tsv"
SHARED_DEV_SAMPLE = REPO_ROOT.parent / "shared/data/triage_dev.tsv"
FRESH_SET = REPO_ROOT / "services/triage/data/triage_fresh.tsv"
TRAIN_SET = REPO_ROOT / "services/triage/data/triage_train.tsv"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.default()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _figures(classifier: Classifier, rows: list[dict[str, str]]) -> tuple[float, float, list[str]]:
    urgent = [r for r in rows if r["urgency"] == "urgent"]
    missed = [r["text"] for r in urgent if classifier.classify(r["text"]).urgency != "urgent"]
    correct = sum(classifier.classify(r["text"]).category == r["category"] for r in rows)
    recall = (len(urgent) - len(missed)) / len(urgent)
    return recall, correct / len(rows), missed


@pytest.mark.parametrize("path", [DEV_SAMPLE, FRESH_SET], ids=["dev", "fresh"])
def test_urgent_recall_is_total_and_category_accuracy_high(classifier: Classifier, path: Path) -> None:
    rows = _rows(path)
    recall, accuracy, missed = _figures(classifier, rows)
    assert recall == 1.0, f"urgent texts classed non-urgent: {missed}"
    assert accuracy >= 0.9


def test_training_file_is_large_and_covers_every_label() -> None:
    rows = _rows(TRAIN_SET)
    assert len(rows) >= 300
    assert {r["category"] for r in rows} == {
        "engineering",
        "cleaning_greening",
        "security_order",
        "customer_service",
        "fees_finance",
        "community_culture",
        "other",
    }
    assert {r["urgency"] for r in rows} == {"urgent", "general", "suggestion"}
    assert {r["scope"] for r in rows} == {"unit", "building", "estate", "group"}
    assert any(r["out_of_scope"] == "1" for r in rows)
    assert len(_rows(FRESH_SET)) >= 80


@pytest.mark.parametrize(
    "text",
    [
        "电梯困人了，快来",
        "3号楼电梯卡在两层中间，我妈在里面出不来",
        "楼道里好大一股煤气味",
        "厨房天然气管子在漏气",
        "水管爆了，水哗哗地流",
        "楼上漏水漏进我家插座里了",
        "地下室着火了，全是烟",
        "配电箱冒烟，还有焦味",
        "有人在楼下打架，已经有人受伤了",
        "小区门口有个老人晕倒了",
        "整栋楼停电了",
        "小区突然停水了，什么时候来水",
        "冇电冇水，点算",
        "电悌里关了人",
        "有个人坐在天台边上，好像要往下跳",
        "小偷正在撬隔壁的门",
    ],
)
def test_must_be_urgent(classifier: Classifier, text: str) -> None:
    result = classifier.classify(text)
    assert result.urgency == "urgent", result.evidence


@pytest.mark.parametrize(
    "text",
    ["家里没有燃气味，就是灶打不着火", "电梯紧急按钮坏了", "楼道里有人抽烟，烟味很大", "我手机没电了，充电桩在哪"],
)
def test_negated_or_harmless_mentions_are_not_urgent(classifier: Classifier, text: str) -> None:
    assert classifier.classify(text).urgency != "urgent"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("我家自己买的洗衣机坏了，厂家售后不上门，物业帮我修一下", "outside_duties"),
        ("附近超市的菜价涨得太厉害了", "outside_duties"),
        ("孩子明年入学，学区是怎么划片的", "outside_duties"),
        ("我和邻居的纠纷已经起诉到法院了，下周开庭", "in_litigation"),
        ("这个事我已经申请了仲裁，物业帮我出个证明", "in_litigation"),
        ("物业太差了", "no_facts"),
        ("投诉", "no_facts"),
    ],
)
def test_out_of_scope_reasons(classifier: Classifier, text: str, reason: str) -> None:
    result = classifier.classify(text)
    assert result.out_of_scope is True
    assert result.out_of_scope_reason == reason
    assert any(e.feature.startswith(f"out_of_scope:{reason}") for e in result.evidence)
    if reason == "outside_duties":
        assert result.referral and any("\u4e00" <= ch <= "\u9fff" for ch in result.referral)


def test_threat_to_sue_is_emotional_not_litigation(classifier: Classifier) -> None:
    result = classifier.classify("再不修电梯我就去法院起诉你们！！！")
    assert result.out_of_scope_reason != "in_litigation"
    assert result.emotional is True


def test_in_scope_items_are_not_out_of_scope(classifier: Classifier) -> None:
    result = classifier.classify("车库里的照明灯坏了好几盏，晚上停车看不清")
    assert result.out_of_scope is False
    assert result.out_of_scope_reason is None and result.referral is None


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("气死我了，报修三次都没人来", "气死"),
        ("再不处理我就打12345投诉到底", "12345"),
        ("我要找媒体曝光你们这个垃圾物业", "曝光"),
        ("电梯又坏了！！！", "!!!"),
    ],
)
def test_emotional_flag_with_evidence(classifier: Classifier, text: str, term: str) -> None:
    result = classifier.classify(text)
    assert result.emotional is True
    assert any(term in item for item in result.emotional_evidence)


def test_calm_text_is_not_emotional(classifier: Classifier) -> None:
    result = classifier.classify("建议在小区多放几个垃圾桶")
    assert result.emotional is False
    assert result.emotional_evidence == []


def test_estate_extra_lexicon_changes_the_result(classifier: Classifier) -> None:
    text = "小区的化粪池满溢了"
    assert classifier.classify(text).urgency != "urgent"
    estate = Classifier.default(
        {
            "urgency": {"urgent": {"化粪池满溢": 4}},
            "categories": {"cleaning_greening": {"化粪池": 5}},
            "out_of_scope": {
                "outside_duties": [
                    {"name": "district_heating", "all": [["供暖费"]], "referral": "供暖费请联系热力公司。"}
                ]
            },
        }
    )
    result = estate.classify(text)
    assert result.urgency == "urgent"
    assert result.category == "cleaning_greening"
    assert estate.classify("今年的供暖费怎么算的").referral == "供暖费请联系热力公司。"
    assert classifier.classify("今年的供暖费怎么算的").referral != "供暖费请联系热力公司。"  # default untouched


def test_result_is_explained_and_confidence_bounded(classifier: Classifier) -> None:
    for row in _rows(DEV_SAMPLE):
        result = classifier.classify(row["text"])
        assert isinstance(result, Classification)
        assert result.evidence, row["text"]
        assert 0.0 <= result.confidence <= 1.0
        assert result.scope in {"unit", "building", "estate", "group"}


def test_dialect_and_typos_are_normalised(classifier: Classifier) -> None:
    result = classifier.classify("侬好，阿拉楼里电提坏啦")
    assert result.category == "engineering"
    assert any(e.feature == "normalized" for e in result.evidence)


def test_result_is_frozen(classifier: Classifier) -> None:
    result = classifier.classify("楼道灯不亮")
    with pytest.raises(ValueError):
        result.category = "other"  # type: ignore[misc]


def test_repo_copy_of_the_dev_sample_matches_shared() -> None:
    if SHARED_DEV_SAMPLE.is_file():  # beside the repo on developers' machines and in CI
        assert DEV_SAMPLE.read_bytes() == SHARED_DEV_SAMPLE.read_bytes(), "refresh services/triage/data/triage_dev.tsv"
    assert len(_rows(DEV_SAMPLE)) >= 40
