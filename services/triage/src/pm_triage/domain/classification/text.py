"""Text helpers: normalisation and forward maximum term matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

_SPACE_RE = re.compile(r"\s+")
_NON_CONTENT_RE = re.compile(r"[^0-9a-z\u3400-\u9fff]+")


def normalize(text: str, replacements: Mapping[str, str]) -> tuple[str, list[tuple[str, str]]]:
    """NFKC-fold (full-width → half-width), lower-case, then apply the lexicon's replacement map
    (dialect words, common typos and homophones, traditional characters), longest key first.

    Returns the normalised text and the replacements that were applied (for evidence).
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = _SPACE_RE.sub(" ", folded).strip()
    applied: list[tuple[str, str]] = []
    for source in sorted(replacements, key=len, reverse=True):
        if source and source in folded:
            target = replacements[source]
            if source.isascii():  # an English word, not a piece of one (smoke, not smoker)
                folded, count = _ascii_word(source).subn(target, folded)
                if not count:
                    continue
            else:
                folded = folded.replace(source, target)
            applied.append((source, target))
    return folded, applied


@lru_cache(maxsize=512)
def _ascii_word(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])")


P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class Hit(Generic[P]):
    """A lexicon term found in the text at `start`, with the payload the lexicon gave it."""

    term: str
    start: int
    payload: P


class TermMatcher(Generic[P]):
    """Forward maximum matching over a term dictionary.

    At each position the longest term starting there wins and consumes its characters, so a
    longer neutral phrase (e.g. 打不着火) masks a shorter trigger inside it (着火).
    """

    def __init__(self, terms: Mapping[str, P]) -> None:
        index: dict[str, list[tuple[str, P]]] = {}
        for term, payload in terms.items():
            if term:
                index.setdefault(term[0], []).append((term, payload))
        for bucket in index.values():
            bucket.sort(key=lambda item: len(item[0]), reverse=True)
        self._index = index

    def find(self, text: str) -> list[Hit[P]]:
        hits: list[Hit[P]] = []
        i, n = 0, len(text)
        while i < n:
            step = 1
            for term, payload in self._index.get(text[i], ()):
                if text.startswith(term, i) and ascii_bounded(text, i, len(term)) and not amount(text, i, len(term)):
                    hits.append(Hit(term, i, payload))
                    step = len(term)
                    break
            i += step
        return hits


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def ascii_bounded(text: str, start: int, length: int) -> bool:
    """An ASCII term (12345, 119, ok) must not sit inside a longer ASCII word or number."""
    if _is_ascii_alnum(text[start]) and start > 0 and _is_ascii_alnum(text[start - 1]):
        return False
    end = start + length
    return not (_is_ascii_alnum(text[end - 1]) and end < len(text) and _is_ascii_alnum(text[end]))


_UNIT_AFTER = re.compile(r"\s*(元|块|毛|角|多块|cash|rmb|yuan|平|米|斤|公斤|个|次|天|分钟|小时|号|室|户|%|块钱)")
_PRICE_BEFORE = ("费", "价", "¥", "$", "收了", "收", "交了", "付了", "花了", "共", "要了", "给了")


def amount(text: str, start: int, length: int) -> bool:
    """A number that is an amount or a measure (维修费120元, 收了 120 cash, 120平), not a phone
    number such as 120 or 110: a unit right after it or a price word right before it."""
    if not text[start : start + length].isdigit():
        return False
    if _UNIT_AFTER.match(text, start + length):
        return True
    before = text[max(0, start - 3) : start].rstrip()
    return any(before.endswith(word) for word in _PRICE_BEFORE)


def preceded_by(text: str, start: int, prefixes: Iterable[str], window: int = 3) -> bool:
    """True if one of `prefixes` ends right before `start` (ignoring spaces) within `window`."""
    before = text[max(0, start - window - 2) : start].replace(" ", "")
    return any(before.endswith(p) for p in prefixes)


def content_chars(text: str) -> str:
    """The text with punctuation, symbols and spaces removed (digits and CJK kept)."""
    return _NON_CONTENT_RE.sub("", text)
