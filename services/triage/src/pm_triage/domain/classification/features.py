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
# Place and provenance, not matter: the many ways of saying "outside the estate" (小区外面, 马路对面,
# 出了小区, 围墙外) and "I bought it myself" (自己买的, 网上买的) become one feature each, so the matter
# model learns them once instead of per phrase (out-of-scope kinds municipal, police, own appliance).
_OUTSIDE = re.compile(
    r"(小区|园区|屋苑|院子|大院|围墙|北门|南门|东门|西门|大门)(外面|外边|外头|门外|对面|旁边|后头|后面|附近|外的|外那|外)"
    r"|(马路|街)对面|出了(小区|门)|对面(那条街|马路)|(小区|我们)外(面|边|头)?的?(马路|街|路|河)|不是在(咱们|我们)?小区"
)
_OWN = re.compile(
    r"(自己|自个儿?|我们|我家|自家)(花钱)?(买|装|购)的|(网上|网购|淘宝|京东|拼多多|商场|店里)(买|订|下单)的?"
)


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


def char_grams(text: str, sizes: Iterable[int] = (1, 2, 3)) -> list[str]:
    """The distinct n-grams in the order they occur (a set's order changes with the hash seed, and
    so would the order of tied evidence)."""
    body = _DIGITS.sub("0", content_chars(text))
    grams: dict[str, None] = {}
    for n in sizes:
        grams.update(dict.fromkeys(body[i : i + n] for i in range(len(body) - n + 1)))
    return list(grams)


def features(text: str, hazards: Iterable[HazardHit], segmenter: Segmenter) -> dict[str, float]:
    """Binary features of normalised text: ``c:`` char n-grams, ``w:`` words, ``h:`` hazard hits."""
    text, threats = _FEE_THREAT.subn("，", text)
    found: dict[str, float] = {f"c:{g}": 1.0 for g in char_grams(text)}
    if threats:
        found["r:fee_threat"] = 1.0
    if _OUTSIDE.search(text):
        found["p:outside_estate"] = 1.0
    if _OWN.search(text):
        found["p:own_purchase"] = 1.0
    for word in segmenter.words(text):
        found[f"w:{_DIGITS.sub('0', word)}"] = 1.0
    for hit in hazards:
        found[f"h:{hit.family}:{hit.modality}"] = 1.0
        found[f"h:any:{hit.modality}"] = 1.0
        if hit.life_safety:
            found[f"h:life:{hit.modality}"] = 1.0
    return found
