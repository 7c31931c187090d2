"""The complaint grade beside urgency (DOMAIN §9): 重大 major / 重要 important / 轻微 minor.

Proposed with evidence from named rules (docs/triage-taxonomy.md §4); the SLA clocks of the grade
(reply and handled) are computed by ``pm_triage.domain.sla.grade_deadlines``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .hazards import HazardHit

Grade = Literal["major", "important", "minor"]
GRADE_NAMES: dict[str, str] = {"major": "重大", "important": "重要", "minor": "轻微"}

MEDIA_OR_GOVERNMENT = (
    "记者", "媒体", "曝光", "电视台", "12345", "市长热线", "住建局", "住建委", "街道办", "信访", "上访",
    "政府", "纪委", "消协", "发微博", "抖音", "热搜", "报社", "房管局", "市民热线",
)  # fmt: skip
REPEATED = ("多次", "好几次", "无数次", "八百遍", "反复", "屡次", "三番五次", "一直没解决", "一直没人管", "一直不解决",
            "一直没修", "几个月了", "半年了", "一年了")  # fmt: skip
_NTH_TIME = re.compile(r"第[二三四五六七八九十0-9]+次|反映了?[两三四五六七八九十0-9]+次|[三四五六七八九十0-9]+次了")
REPEAT_ONCE = ("又坏", "又漏", "又停", "又出", "又是", "再次", "上次", "之前反映", "还是没", "还没修好", "上回")
THREATS = ("起诉", "告你们", "投诉到底", "律师", "法院", "不交物业费", "物业费不交", "退钱")
_MONEY = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(万|千|元|块)")
_WAN = re.compile(r"[一两二三四五六七八九十几0-9]+万")


@dataclass(frozen=True)
class GradeProposal:
    grade: Grade
    evidence: tuple[str, ...]


def _amount(text: str) -> float:
    best = 0.0
    for value, unit in _MONEY.findall(text):
        amount = float(value) * (10000 if unit == "万" else 1000 if unit == "千" else 1)
        best = max(best, amount)
    if _WAN.search(text):
        best = max(best, 10000.0)
    return best


def propose_grade(
    text: str,
    *,
    urgent: bool,
    hazard: HazardHit | None,
    scope: str,
    emotional: bool,
    category: str,
    out_of_scope: bool,
) -> GradeProposal:
    """Major on safety, group impact, media/government, repeated and unresolved, high value;
    important on other urgent items, emotion, a repeat, threats and money disputes; else minor."""
    major: list[str] = []
    if urgent and hazard is not None and hazard.life_safety:
        major.append(f"safety:{hazard.family}:{hazard.evidence_value}")
    if scope == "group":
        major.append("group_impact")
    media = [t for t in MEDIA_OR_GOVERNMENT if t in text]
    if media:
        major.append("media_or_government:" + "、".join(media))
    repeated = [t for t in REPEATED if t in text] + _NTH_TIME.findall(text)
    if repeated:
        major.append("repeated_unresolved:" + "、".join(repeated))
    amount = _amount(text)
    if amount >= 10000:
        major.append(f"high_value:{amount:.0f}")
    if major:
        return GradeProposal("major", tuple(major))
    important: list[str] = []
    if urgent:
        important.append("urgent")
    if emotional:
        important.append("emotional")
    once = [t for t in REPEAT_ONCE if t in text]
    if once:
        important.append("repeat:" + "、".join(once))
    threats = [t for t in THREATS if t in text]
    if threats:
        important.append("threat:" + "、".join(threats))
    if category == "fees_finance" and not out_of_scope and amount > 0:
        important.append(f"money:{amount:.0f}")
    if important:
        return GradeProposal("important", tuple(important))
    return GradeProposal("minor", ("routine",))
