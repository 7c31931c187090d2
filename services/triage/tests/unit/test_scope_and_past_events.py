"""Releases 7 and 8 (docs/triage.md): the scope model, past events said to be over however late, people in
danger told without the stock words, Cantonese perfectives, and the owner dev sets' floors."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest

from pm_triage.domain.classification import Classifier
from pm_triage.domain.classification.features import Segmenter, features
from pm_triage.domain.classification.hazards import HazardRules
from pm_triage.domain.classification.lexicon import compile_lexicon, load_default_lexicon
from pm_triage.domain.classification.linear_model import load_triage_model
from pm_triage.evaluation import figures

pytestmark = pytest.mark.unit

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
# release-10 figures (r15 and r16: release 11's) on the owner dev sets (tuned on, never trained on),
# a little below what shipped;
# r11 and r14 dev keep their known urgent misses (docs/triage.md, release 10)
OWNER_DEV_FLOORS = {
    "owner_dev_r5.tsv": {
        "urgent_recall": 0.98,
        "scope_accuracy": 0.85,
        "out_of_scope_recall": 0.87,
        "category_accuracy": 0.88,
    },
    "owner_dev_r6.tsv": {
        "urgent_recall": 0.98,
        "scope_accuracy": 0.87,
        "out_of_scope_recall": 0.87,
        "category_accuracy": 0.87,
    },
    "owner_dev_r7.tsv": {
        "urgent_recall": 0.98,
        "scope_accuracy": 0.86,
        "out_of_scope_recall": 0.80,
        "category_accuracy": 0.86,
    },
    "owner_dev_r7b.tsv": {
        "urgent_recall": 0.98,
        "scope_accuracy": 0.88,
        "out_of_scope_recall": 0.82,
        "category_accuracy": 0.82,
    },
    "owner_dev_r8.tsv": {
        "urgent_recall": 0.98,
        "scope_accuracy": 0.83,
        "out_of_scope_recall": 0.66,
        "category_accuracy": 0.87,
    },
    "owner_dev_r9.tsv": {
        "urgent_recall": 0.98,
        "scope_accuracy": 0.85,
        "out_of_scope_recall": 0.84,
        "category_accuracy": 0.87,
    },
    "owner_dev_r9b.tsv": {
        "urgent_recall": 0.98,
        "scope_accuracy": 0.86,
        "out_of_scope_recall": 0.5,
        "category_accuracy": 0.78,
    },
    "owner_dev_r10.tsv": {
        "urgent_recall": 0.98,
        "scope_accuracy": 0.88,
        "out_of_scope_recall": 0.87,
        "category_accuracy": 0.9,
    },
    "owner_dev_r11.tsv": {
        "urgent_recall": 0.96,
        "scope_accuracy": 0.88,
        "out_of_scope_recall": 0.66,
        "category_accuracy": 0.79,
    },
    "owner_dev_r12.tsv": {
        "urgent_recall": 0.98,
        "scope_accuracy": 0.9,
        "out_of_scope_recall": 0.8,
        "category_accuracy": 0.89,
    },
    "owner_dev_r13.tsv": {
        "urgent_recall": 0.98,
        "scope_accuracy": 0.8,
        "out_of_scope_recall": 0.7,
        "category_accuracy": 0.92,
    },
    "owner_dev_r14.tsv": {
        "urgent_recall": 0.94,
        "scope_accuracy": 0.88,
        "out_of_scope_recall": 0.8,
        "category_accuracy": 0.85,
    },
    "owner_dev_r15.tsv": {
        "urgent_recall": 0.98,
        "scope_accuracy": 0.83,
        "out_of_scope_recall": 0.8,
        "category_accuracy": 0.87,
    },
    "owner_dev_r16.tsv": {
        "urgent_recall": 0.98,
        "scope_accuracy": 0.86,
        "out_of_scope_recall": 0.85,
        "category_accuracy": 0.88,
    },
}


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.default()


def _rows(name: str) -> list[dict[str, str]]:
    with (CORPUS / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.mark.parametrize("name", sorted(OWNER_DEV_FLOORS))
def test_owner_dev_set_figures_hold(classifier: Classifier, name: str) -> None:
    rows = _rows(name)
    got = figures(rows, [classifier.classify(r["text"]) for r in rows])
    for figure, floor in OWNER_DEV_FLOORS[name].items():
        assert got[figure] >= floor, f"{name} {figure} {got[figure]:.3f} < {floor}"


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("我家卫生间的地漏一直往上返臭味，洗澡都受不了", "unit"),
        ("我们单元楼道的声控灯坏了一个多礼拜了，晚上上楼黑漆漆的", "building"),
        ("小区北门那段主路的路灯全不亮，晚上遛弯看不见路", "estate"),
    ],
)
def test_the_scope_model_reads_the_place(classifier: Classifier, text: str, scope: str) -> None:
    result = classifier.classify(text)
    assert result.scope == scope
    assert any(e.feature == f"model:scope:{scope}" for e in result.evidence)


def test_an_estate_overlay_scope_cue_still_counts(classifier: Classifier) -> None:
    text = "甲座那个门坏了"  # an estate's own name for its buildings, unknown to the model
    assert classifier.classify(text).scope == "estate"
    assert Classifier.default({"scope": {"building": {"甲座": 12}}}).classify(text).scope == "building"


def test_group_stays_the_rules_and_a_model_without_scope_falls_back() -> None:
    model = load_triage_model()
    assert model is not None and model.scope is not None
    lexicon = compile_lexicon(load_default_lexicon())
    text = "我们好几栋楼的业主联名反映，整个小区的水压都低，大家都受不了"
    assert Classifier(lexicon, model).classify(text).scope == "group"
    without = Classifier(lexicon, replace(model, scope=None)).classify("我家卫生间的地漏一直往上返臭味")
    assert not any(e.feature.startswith("model:scope") for e in without.evidence)
    assert "scope" not in replace(model, scope=None).to_dict()["models"]


@pytest.mark.parametrize(
    "text",
    [
        "前天电梯把我关了一会儿，后来你们的师傅很快就来了，修好了，我也没事，就想问问是什么毛病",
        "上个礼拜二座部电梯困过人，而家维修好咗，想要份检查报告睇下",
    ],
)
def test_a_past_event_the_text_later_says_is_over_is_not_urgent(classifier: Classifier, text: str) -> None:
    assert classifier.classify(text).urgency != "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "前天电梯把我邻居关在里面半个小时，到现在也没修好，也没人来看",
        "昨天电梯把人困在里面，修好没有也没人说",  # asked, not said
        "我家老人昨天下午出门走失了，派出所那边说好了帮忙调监控，现在还联系不上",  # 说好了 ends nothing
    ],
)
def test_a_past_event_not_said_to_be_over_stays_urgent(classifier: Classifier, text: str) -> None:
    assert classifier.classify(text).urgency == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "燃气管一直在咝咝响，你们上回说修好了吗",  # an earlier repair asked about, beside a hiss now
        "楼道配电箱在冒火花，前两天说弄好了没有",
        "电梯把我妈关在里面了，上次不是修好了吗",
    ],
)
def test_a_repair_asked_about_does_not_make_a_hazard_a_risk(classifier: Classifier, text: str) -> None:
    result = classifier.classify(text)
    assert result.urgency == "urgent"
    assert not any(e.feature.startswith("hazard:") and e.feature.endswith(":risk") for e in result.evidence)


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("有人在楼道抽烟，垃圾桶冒黑烟了", "fire"),  # a smoker excuses a haze, not smoke pouring out
        ("一股很冲的味，是不是煤气", "gas"),  # a hedged question is no denial
        ("有个大洞，没有井盖，晚上有人走", "pit"),  # a missing cover is the hazard
    ],
)
def test_the_rules_still_read_these_hazards(text: str, family: str) -> None:
    classifier = Classifier.default()
    hits = HazardRules.default(compile_lexicon(load_default_lexicon()).replacements).find(classifier.normalized(text))
    assert any(h.family == family and h.modality == "now" for h in hits)


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("可视对讲没声音了，楼下按门铃听不见，1203", "person"),  # 120 inside a room number
        ("我的电话是13812012008，门口灯不亮", "person"),  # 120 inside a phone number
        ("隔壁装修中午还在砸墙，老人要午睡", "violence"),  # renovation, not an attack
    ],
)
def test_digits_and_renovation_are_no_hazard(text: str, family: str) -> None:
    classifier = Classifier.default()
    hits = HazardRules.default(compile_lexicon(load_default_lexicon()).replacements).find(classifier.normalized(text))
    assert not any(h.family == family for h in hits)


@pytest.mark.parametrize(
    "text",
    ["楼道里有股怪味，不像煤气，像是谁家在熬中药", "煤气灶旁边那个垃圾桶好臭，几天没人收了"],
)
def test_a_smell_said_not_to_be_gas_is_not_urgent(classifier: Classifier, text: str) -> None:
    evidence = classifier.classify(text).evidence
    assert not any(e.feature == "hazard:gas:now" for e in evidence)


def test_smoke_from_a_smoker_is_not_a_fire(classifier: Classifier) -> None:
    result = classifier.classify("楼梯间一股烟味，又是有人在里面抽烟，呛死了")
    assert not any(e.feature.startswith("hazard:fire") for e in result.evidence)


def test_normalisation_does_not_cut_into_words(classifier: Classifier) -> None:
    assert "燃气味" not in classifier.normalized("好像燃气费多扣了")  # 好像, not 像燃气
    assert classifier.normalized("the smoker upstairs") == "the smoker upstairs"  # smoke, not smoker
    assert classifier.normalized("电梯stuck了") == "电梯卡住了"


def test_place_and_provenance_features() -> None:
    segmenter = Segmenter({})
    outside = features("小区外面那条马路上的夜市吵到半夜", [], segmenter)
    inside = features("小区里面的广场舞吵到半夜", [], segmenter)
    bought = features("网上买的净水器漏水了", [], segmenter)
    assert "p:outside_estate" in outside and "p:outside_estate" not in inside
    assert "p:own_purchase" in bought and "p:own_purchase" not in inside
