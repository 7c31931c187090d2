"""Features of the linear triage model: character 1–3-grams, jieba words and hazard-rule hits.

The same function serves training (tools/train_triage.py, pm_triage.training) and run time, so
the model sees exactly what it was trained on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

import jieba

from .hazards import HazardHit
from .text import content_chars

_DIGITS = re.compile(r"[0-9]+")
# Register, not matter: a threat to withhold the fee (物业费我不交了！) closes complaints of every
# nature, so its n-grams must not say "fees". It becomes one feature of its own (r:fee_threat).
_FEE_THREAT = re.compile(r"(物业费)?(我|就)?(再也)?不(再)?交(了)?(物业费)|物业费(我|就)?不交了|(白交|交那么多)物业费")
_WORD = re.compile(r"[0-9a-z\u3400-\u9fff]")


class Segmenter:
    """jieba word segmentation over the model's own vocabulary (word → frequency), shipped in the
    model file: it loads in milliseconds, writes no cache, and segments exactly as in training."""

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        jieba.setLogLevel(logging.WARNING)
        freq: dict[str, int] = {}
        for word, count in vocabulary.items():
            freq[word] = int(count)
            for end in range(1, len(word)):
                freq.setdefault(word[:end], 0)
        tokenizer = jieba.Tokenizer()
        tokenizer.FREQ, tokenizer.total = freq, max(sum(freq.values()), 1)
        tokenizer.initialized = True
        self._tokenizer = tokenizer

    def words(self, text: str) -> list[str]:
        return [w for w in self._tokenizer.cut(text, HMM=False) if _WORD.search(w)]


def full_vocabulary(texts: Iterable[str]) -> dict[str, int]:
    """The words of `texts` under jieba's full dictionary, with its frequencies (for training)."""
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    vocab: dict[str, int] = {}
    for text in texts:
        for word in jieba.cut(text, HMM=False):
            if len(word) > 1 and _WORD.search(word):
                vocab[word] = int(jieba.dt.FREQ.get(word) or 1)
    return vocab


def char_grams(text: str, sizes: Iterable[int] = (1, 2, 3)) -> set[str]:
    body = _DIGITS.sub("0", content_chars(text))
    grams: set[str] = set()
    for n in sizes:
        grams.update(body[i : i + n] for i in range(len(body) - n + 1))
    return grams


def features(text: str, hazards: Iterable[HazardHit], segmenter: Segmenter) -> dict[str, float]:
    """Binary features of normalised text: ``c:`` char n-grams, ``w:`` words, ``h:`` hazard hits."""
    text, threats = _FEE_THREAT.subn("，", text)
    found: dict[str, float] = {f"c:{g}": 1.0 for g in char_grams(text)}
    if threats:
        found["r:fee_threat"] = 1.0
    for word in segmenter.words(text):
        found[f"w:{_DIGITS.sub('0', word)}"] = 1.0
    for hit in hazards:
        found[f"h:{hit.family}:{hit.modality}"] = 1.0
        found[f"h:any:{hit.modality}"] = 1.0
        if hit.life_safety:
            found[f"h:life:{hit.modality}"] = 1.0
    return found
