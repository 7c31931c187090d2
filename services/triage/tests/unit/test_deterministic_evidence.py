"""The evidence of a decision is the same in every process. Python salts the hash of a string per
process, so anything iterated from a set comes out in another order under another seed; the hazard
rules keep the first hit of a modality and the model's strongest n-grams keep the first of a tie,
so their evidence (架子+断了 or 外机+断了) once changed between two workers given the same text."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

# texts whose evidence differed between two hash seeds before the fix (two objects or two states
# of one family, each a hit happening now)
TEXTS = [
    "空调外机的架子锈断了 机器歪在那里 就在单元门上方",
    "阿拉家暖气片那边水一直往外涌，楼下邻居都来敲门了",
    "小区广场香樟树被风刮断了，砸在车上，路也堵了",
    "2号梯一直在上下乱窜，停不下来，两个小孩在里头",
    "插座着火了，火苗不大但是一直在烧",
]

_PROBE = """
import json, sys
from pm_triage.domain.classification import Classifier
from pm_triage.domain.classification.lexicon import compile_lexicon, load_default_lexicon
rules = Classifier(compile_lexicon(load_default_lexicon()))
texts = json.loads(sys.stdin.read())
print(json.dumps([[(e.feature, e.value) for e in rules.classify(t).evidence] for t in texts], ensure_ascii=False))
"""


def _evidence(seed: int) -> list[list[list[str]]]:
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        input=json.dumps(TEXTS),
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    result: list[list[list[str]]] = json.loads(done.stdout)
    return result


def test_evidence_does_not_depend_on_the_hash_seed() -> None:
    first = _evidence(1)
    assert all(any(feature.startswith("hazard:") for feature, _ in ev) for ev in first)
    for seed in (2, 3, 4):
        assert _evidence(seed) == first, f"PYTHONHASHSEED={seed}"
