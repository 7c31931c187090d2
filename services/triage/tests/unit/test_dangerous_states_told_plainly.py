"""Release 11 (docs/triage.md): states owners use for a danger in progress that the families did
not know — a live box (电表箱的门带电), a shove (推搡), a drunk at the wheel (喝多了要开车走), a car
rolling back (往后溜), a lift stuck half-way (停在半截), a tree leaning onto a balcony (歪到) — and
their twins that stay ordinary."""

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
        ("2单元一楼电表箱的门带电，刚才我儿子碰了一下被弹开了", "electric"),
        ("停车场两个人为车位吵起来了，已经推搡上了", "violence"),
        ("东门有个司机喝多了要开车走，谁拦都不听", "vehicle"),
        ("地库坡道上一辆货车熄火了，正在往后溜", "vehicle"),
        ("3号楼电梯停在半截了，我妈在里面", "lift"),
        ("楼下那棵大树整个歪到三楼阳台上了", "tree"),
    ],
)
def test_a_danger_in_progress_told_plainly(text: str, family: str) -> None:
    assert family in _now(text)


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("听说有业主酒驾在小区门口被交警查了，能不能加强门口管理", "vehicle"),
        ("上个月3号楼电梯停在半截过一次，后来修好了，想问问多久保养一次", "lift"),
        ("电工说配电房今天要带电作业，提醒大家别靠近", "electric"),
    ],
)
def test_the_ordinary_twins(text: str, family: str) -> None:
    assert family not in _now(text)
