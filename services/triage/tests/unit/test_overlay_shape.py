"""An estate's lexicon overlay is refused, with a reason in both languages, when it is nested too
deep, too large or holds absurd numbers — before the recursive merge could blow the stack."""

from __future__ import annotations

import math
from typing import Any

import pytest

from pm_triage.domain.classification import load_default_lexicon
from pm_triage.domain.errors import InvalidLexicon
from pm_triage.domain.overlay import MAX_DEPTH, MAX_NODES, validate_overlay

pytestmark = pytest.mark.unit


def nested(levels: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    for _ in range(levels):
        node["a"] = {}
        node = node["a"]
    return root


@pytest.mark.parametrize(
    ("overlay", "zh", "en"),
    [
        ({"categories": {"engineering": nested(900)}}, "嵌套层级过深", "nested deeper than"),
        ({"categories": {"engineering": nested(MAX_DEPTH)}}, "嵌套层级过深", "nested deeper than"),
        ({"normalize": {str(i): "x" for i in range(MAX_NODES)}}, "条目过多", "more than"),
        ({"categories": {"engineering": {"水浸街": 10**30}}}, "数值超出范围", "number out of range"),
        ({"categories": {"engineering": {"水浸街": math.nan}}}, "数值超出范围", "number out of range"),
    ],
    ids=["900-deep", "just-too-deep", "too-many-values", "8-byte-overflow", "nan"],
)
def test_overlays_of_a_bad_shape_are_refused_in_both_languages(overlay: dict[str, Any], zh: str, en: str) -> None:
    with pytest.raises(InvalidLexicon) as refused:
        validate_overlay(overlay)
    assert refused.value.zh.startswith("词库配置无效：") and zh in refused.value.zh
    assert en in refused.value.en


def test_the_packaged_lexicon_itself_passes_as_an_overlay() -> None:
    packaged = {k: v for k, v in load_default_lexicon().items() if k != "version"}
    validate_overlay(packaged)  # 6 levels deep, the real shape and size
