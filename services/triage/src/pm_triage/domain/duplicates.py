"""Same-household history: near-identical duplicates of an open item, and repeats of an answered one.

A household is estate + building + unit + room (from the complaint's location). Texts are compared
on their character bigrams after normalisation:

- ``containment`` = share of the new text's bigrams already present in the earlier text — high
  means "nothing new was said" (no new facts);
- ``jaccard`` = overlap of both texts' bigrams — high means "the same message again".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_NON_CONTENT = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
_BUILDING_SUFFIX = re.compile(r"(号楼|号|栋|幢|座|楼)$")


class HistoryPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    lookback_days: int = Field(180, ge=1)
    duplicate_jaccard: float = Field(0.6, gt=0, le=1)  # open item said again → duplicate_of
    repeat_clear: float = Field(0.9, gt=0, le=1)  # answered item, nothing new → automatic 不予受理 (repeat)
    repeat_possible: float = Field(0.6, gt=0, le=1)  # answered item, little new → proposal for the supervisor


def _clean(value: str | None) -> str:
    return _NON_CONTENT.sub("", unicodedata.normalize("NFKC", value or "").lower())


def building_id(value: str | None) -> str:
    """'3号楼', '3栋', ' 3 ' → '3' (the suffix people write is not part of the identity)."""
    return _BUILDING_SUFFIX.sub("", _clean(value)) or _clean(value)


def household_key(estate_id: str, building: str | None, unit: str | None, room: str | None) -> str | None:
    """estate|building|unit|room, or None when the room is not known (no household to compare)."""
    if not _clean(room):
        return None
    return "|".join((estate_id, building_id(building), _clean(unit), _clean(room)))


def bigrams(text: str) -> frozenset[str]:
    body = _clean(text)
    if len(body) < 2:
        return frozenset({body}) if body else frozenset()
    return frozenset(body[i : i + 2] for i in range(len(body) - 1))


def containment(new: frozenset[str], old: frozenset[str]) -> float:
    return len(new & old) / len(new) if new else 0.0


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


@dataclass(frozen=True)
class EarlierItem:
    complaint_id: str
    text: str
    category: str
    answered: bool  # a result or a non-acceptance reason was given


@dataclass(frozen=True)
class HistoryMatch:
    kind: Literal["duplicate", "repeat"]
    complaint_id: str
    score: float
    clear: bool  # repeat: nothing new at all → automatic; otherwise a proposal for the supervisor


def match_history(text: str, category: str, earlier: list[EarlierItem], policy: HistoryPolicy) -> HistoryMatch | None:
    """The strongest link to the household's earlier items (most recent first in ``earlier``).

    Priority: a clear repeat of an answered item, then a duplicate of an open item, then a possible
    repeat (same nature, mostly the same words) of an answered item.
    """
    new = bigrams(text)
    found: dict[str, HistoryMatch] = {}
    for item in earlier:
        old = bigrams(item.text)
        contained, overlap = containment(new, old), jaccard(new, old)
        if item.answered:
            if contained >= policy.repeat_clear:
                found.setdefault("repeat_clear", HistoryMatch("repeat", item.complaint_id, contained, True))
            elif contained >= policy.repeat_possible and item.category == category:
                found.setdefault("repeat_possible", HistoryMatch("repeat", item.complaint_id, contained, False))
        elif overlap >= policy.duplicate_jaccard or contained >= policy.repeat_clear:
            found.setdefault("duplicate", HistoryMatch("duplicate", item.complaint_id, overlap, True))
    for kind in ("repeat_clear", "duplicate", "repeat_possible"):
        if kind in found:
            return found[kind]
    return None
