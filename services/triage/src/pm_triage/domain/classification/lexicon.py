"""Loading, merging and compiling the triage lexicon (packaged YAML + optional estate overlay)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from .text import TermMatcher, normalize, preceded_by

DEFAULT_LEXICON_FILE = "lexicon.yaml"


class LexiconError(ValueError):
    """The (merged) lexicon does not have the expected shape."""


def load_default_lexicon() -> dict[str, Any]:
    """The packaged default lexicon as a plain dict (a fresh copy on every call)."""
    raw = resources.files(__package__).joinpath(DEFAULT_LEXICON_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    if not isinstance(data, dict):
        raise LexiconError("packaged lexicon is not a mapping")
    return data


def merge_lexicon(base: dict[str, Any], extra: dict[str, Any] | None) -> dict[str, Any]:
    """Deep-merge an estate's extra lexicon over `base` (neither input is modified).

    Dicts merge key by key; lists are extended, except that list items that are dicts with a
    `name` replace a base item with the same name; scalars are replaced.
    """
    merged = copy.deepcopy(base)
    if extra:
        _merge_into(merged, extra)
    return merged


def _merge_into(target: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        current = target.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            _merge_into(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            target[key] = _merge_lists(current, value)
        else:
            target[key] = copy.deepcopy(value)


def _merge_lists(current: list[Any], extra: list[Any]) -> list[Any]:
    result = list(current)
    for item in extra:
        name = item.get("name") if isinstance(item, dict) else None
        if name is not None:
            result = [old for old in result if not (isinstance(old, dict) and old.get("name") == name)]
        if item not in result:
            result.append(copy.deepcopy(item))
    return result


@dataclass(frozen=True)
class Rule:
    """A conjunctive rule: every group in `all` has a term in the text and no `none` term does."""

    name: str
    all: tuple[tuple[str, ...], ...]
    none: tuple[str, ...] = ()
    weight: float = 0.0
    category: str | None = None
    category_weight: float = 0.0
    referral: str | None = None
    window: int = 0  # > 0: every group's term within this many characters of the first group's

    def matches(self, text: str, negators: tuple[str, ...] = ()) -> list[str] | None:
        """The first matching term of each group, or None when the rule does not fire. A windowed
        rule skips a first-group term that one of `negators` precedes (不是燃气)."""
        if any(term in text for term in self.none):
            return None
        if self.window:
            return self._near_match(text, negators)
        found: list[str] = []
        for group in self.all:
            term = next((t for t in group if t in text), None)
            if term is None:
                return None
            found.append(term)
        return found

    def _near_match(self, text: str, negators: tuple[str, ...]) -> list[str] | None:
        """Every group's term near one occurrence of a first-group term (燃气管 … 怪味 forty
        characters apart is no gas smell)."""
        for anchor in self.all[0]:
            at = text.find(anchor)
            while at >= 0:
                span = text[max(0, at - self.window) : at + len(anchor) + self.window]
                found = [next((t for t in group if t in span), None) for group in self.all[1:]]
                if not preceded_by(text, at, negators) and None not in found:
                    return [anchor, *(t for t in found if t is not None)]
                at = text.find(anchor, at + 1)
        return None


@dataclass(frozen=True)
class CompiledLexicon:
    """The merged lexicon turned into matchers and rules, ready for classification."""

    replacements: dict[str, str]
    category_matcher: TermMatcher[dict[str, float]]
    urgency_matcher: TermMatcher[tuple[str, float]]
    tone_matcher: TermMatcher[tuple[str, float]]
    scope_matcher: TermMatcher[tuple[str, float]]
    emotional_matcher: TermMatcher[float]
    urgent_threshold: float
    negators: tuple[str, ...]
    urgent_combos: tuple[Rule, ...]
    scope_group_threshold: float
    scope_default: str
    scope_personal: tuple[str, ...]
    litigation: dict[str, Any]
    no_facts: dict[str, Any]
    outside_duties: tuple[Rule, ...]
    emotional_threshold: float
    exclamation_weight: float
    long_exclamation_weight: float
    raw: dict[str, Any]


def compile_lexicon(data: dict[str, Any]) -> CompiledLexicon:
    """Validate the shape loosely and build matchers; terms are normalised like input texts."""
    try:
        replacements = {str(k): str(v) for k, v in (data.get("normalize") or {}).items()}

        def norm(term: Any) -> str:
            return normalize(str(term), replacements)[0]

        categories: dict[str, dict[str, float]] = {}
        for category, terms in data["categories"].items():
            for term, weight in (terms or {}).items():
                categories.setdefault(norm(term), {})[category] = float(weight)
        for term in data.get("neutral") or []:
            categories.setdefault(norm(term), {})
        urgency = data["urgency"]
        urgency_terms: dict[str, tuple[str, float]] = {}
        for kind in ("urgent", "boosters", "dampers"):
            for term, weight in (urgency.get(kind) or {}).items():
                urgency_terms[norm(term)] = (kind, float(weight))
        for term in urgency.get("neutral") or []:
            urgency_terms[norm(term)] = ("neutral", 0.0)
        tone_terms: dict[str, tuple[str, float]] = {}
        for kind in ("suggestion", "general"):
            for term, weight in (urgency.get(kind) or {}).items():
                tone_terms[norm(term)] = (kind, float(weight))
        scope = data["scope"]
        scope_terms: dict[str, tuple[str, float]] = {}
        for level in ("unit", "building", "estate", "group"):
            for term, weight in (scope.get(level) or {}).items():
                scope_terms[norm(term)] = (level, float(weight))
        emotional = data["emotional"]
        emotional_terms = {norm(t): float(w) for t, w in (emotional.get("terms") or {}).items()}
        oos = data["out_of_scope"]
        return CompiledLexicon(
            replacements=replacements,
            category_matcher=TermMatcher(categories),
            urgency_matcher=TermMatcher(urgency_terms),
            tone_matcher=TermMatcher(tone_terms),
            scope_matcher=TermMatcher(scope_terms),
            emotional_matcher=TermMatcher(emotional_terms),
            urgent_threshold=float(urgency.get("threshold", 3)),
            negators=tuple(norm(t) for t in urgency.get("negators") or ()),
            urgent_combos=tuple(_rule(r, norm) for r in urgency.get("combos") or ()),
            scope_group_threshold=float(scope.get("group_threshold", 2.5)),
            scope_default=str(scope.get("default", "estate")),
            scope_personal=tuple(norm(t) for t in scope.get("personal_markers") or ()),
            litigation=_normalised_lists(oos.get("litigation") or {}, norm),
            no_facts=_normalised_lists(oos.get("no_facts") or {}, norm),
            outside_duties=tuple(_rule(r, norm) for r in oos.get("outside_duties") or ()),
            emotional_threshold=float(emotional.get("threshold", 2)),
            exclamation_weight=float(emotional.get("exclamation_weight", 1.5)),
            long_exclamation_weight=float(emotional.get("long_exclamation_weight", 2)),
            raw=data,
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise LexiconError(f"invalid triage lexicon: {exc!r}") from exc


def _rule(spec: dict[str, Any], norm: Any) -> Rule:
    return Rule(
        name=str(spec["name"]),
        all=tuple(tuple(norm(t) for t in group) for group in spec["all"]),
        none=tuple(norm(t) for t in spec.get("none") or ()),
        weight=float(spec.get("weight", 0.0)),
        category=spec.get("category"),
        category_weight=float(spec.get("category_weight", 0.0)),
        referral=spec.get("referral"),
        window=int(spec.get("window", 0)),
    )


def _normalised_lists(section: dict[str, Any], norm: Any) -> dict[str, Any]:
    """A copy of `section` whose list values are tuples of normalised terms."""
    return {key: tuple(norm(t) for t in value) if isinstance(value, list) else value for key, value in section.items()}
