"""Lexicon rules: category terms, urgent triggers, tone, scope, out-of-scope and emotion.

Every function is pure and returns its decision together with the evidence behind it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexicon import CompiledLexicon, Rule
from .models import CATEGORIES, Evidence
from .text import content_chars, preceded_by

_EXCLAMATION_RUN = re.compile(r"!{2,}|[!?]{3,}")
MAX_BOOST = 2.0


@dataclass
class UrgencyCues:
    score: float = 0.0
    triggered: bool = False
    category_bias: dict[str, float] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)


def category_terms(lex: CompiledLexicon, text: str) -> tuple[dict[str, float], list[Evidence]]:
    """Summed lexicon weight per category, with one evidence item per scoring term."""
    scores: dict[str, float] = dict.fromkeys(CATEGORIES, 0.0)
    evidence: list[Evidence] = []
    for hit in lex.category_matcher.find(text):
        weights = hit.payload
        for category, weight in weights.items():
            if weight and category in scores:
                scores[category] += weight
                evidence.append(Evidence(feature=f"category:{category}", value=hit.term, weight=weight))
    return scores, evidence


def urgent_cues(lex: CompiledLexicon, text: str) -> UrgencyCues:
    """Rule-first urgent detection: trigger terms (not negated) and combination rules; boosters
    count only once a trigger is present; dampers (不急) always count."""
    cues = UrgencyCues()
    base, boost, damp = 0.0, 0.0, 0.0
    masked = text
    for hit in lex.urgency_matcher.find(text):
        kind, weight = hit.payload
        negated = kind == "urgent" and preceded_by(text, hit.start, lex.negators)
        if kind == "neutral" or negated:  # hidden from the combination rules too
            masked = masked[: hit.start] + "\u3000" * len(hit.term) + masked[hit.start + len(hit.term) :]
        if negated:
            cues.evidence.append(Evidence(feature="urgency:negated", value=hit.term, weight=0.0))
        elif kind == "urgent":
            base += weight
            cues.evidence.append(Evidence(feature="urgency:urgent", value=hit.term, weight=weight))
        elif kind == "boosters":
            boost += weight
            cues.evidence.append(Evidence(feature="urgency:booster", value=hit.term, weight=weight))
        elif kind == "dampers":
            damp += weight
            cues.evidence.append(Evidence(feature="urgency:damper", value=hit.term, weight=weight))
    for rule in lex.urgent_combos:
        found = rule.matches(masked, lex.negators)
        if found is None or _state_negated(masked, found[-1], lex.negators):
            continue
        base += rule.weight
        cues.evidence.append(Evidence(feature=f"rule:{rule.name}", value="+".join(found), weight=rule.weight))
        if rule.category:
            cues.category_bias[rule.category] = cues.category_bias.get(rule.category, 0.0) + (rule.category_weight)
    cues.score = base + (min(boost, MAX_BOOST) if base > 0 else 0.0) + damp
    cues.triggered = base > 0 and cues.score >= lex.urgent_threshold
    return cues


PERCEPTION_NEGATED = ("没闻到", "没有闻到", "闻不到", "没发现", "没听到")


def _state_negated(text: str, state: str, negators: tuple[str, ...]) -> bool:
    """Every occurrence of a combination rule's state is negated (燃气管锈了，没有味道; 没闻到燃气味)."""
    start = text.find(state)
    while start >= 0:
        before = text[max(0, start - 8) : start]
        if not preceded_by(text, start, negators) and not any(p in before for p in PERCEPTION_NEGATED):
            return False
        start = text.find(state, start + 1)
    return True


def tone_cues(lex: CompiledLexicon, text: str) -> tuple[float, list[Evidence]]:
    """Suggestion-cue weight minus complaint-cue weight (> 0 leans towards a suggestion)."""
    balance = 0.0
    evidence: list[Evidence] = []
    for hit in lex.tone_matcher.find(text):
        kind, weight = hit.payload
        signed = weight if kind == "suggestion" else -weight
        balance += signed
        evidence.append(Evidence(feature=f"urgency:{kind}", value=hit.term, weight=signed))
    return balance, evidence


_WIDTH = {"unit": 0, "building": 1, "estate": 2}


def scope_of(lex: CompiledLexicon, text: str) -> tuple[str, list[Evidence], dict[str, float]]:
    """Group when group cues reach the threshold, else the strongest of unit/building/estate
    (the wider one on a tie); with no cue, unit for a personal affair, else the default. Also the
    cues' weight per level (the scope model adds them to its log-probabilities)."""
    totals = {"unit": 0.0, "building": 0.0, "estate": 0.0, "group": 0.0}
    evidence: list[Evidence] = []
    for hit in lex.scope_matcher.find(text):
        level, weight = hit.payload
        totals[level] += weight
        evidence.append(Evidence(feature=f"scope:{level}", value=hit.term, weight=weight))
    if totals["group"] >= lex.scope_group_threshold:
        return "group", evidence, totals
    best = max(_WIDTH, key=lambda level: (totals[level], _WIDTH[level]))
    if totals[best] > 0:
        return best, evidence, totals
    marker = next((m for m in lex.scope_personal if m in text), None)
    if marker is not None:
        return "unit", [Evidence(feature="scope:unit", value=marker, weight=0.0)], totals
    default = Evidence(feature=f"scope:{lex.scope_default}", value="default", weight=0.0)
    return lex.scope_default, [default], totals


def litigation(lex: CompiledLexicon, text: str) -> Evidence | None:
    """A matter already before a court, arbitration or administrative review (not a threat to sue)."""
    spec = lex.litigation
    intrinsic = spec.get("intrinsic", ())
    prefixes = spec.get("ongoing", ())
    for term in spec.get("terms", ()):
        start = text.find(term)
        while start >= 0:
            window = text[max(0, start - 6) : start]
            if term in intrinsic or any(p in window for p in prefixes):
                return Evidence(feature="out_of_scope:in_litigation", value=term, weight=1.0)
            start = text.find(term, start + 1)
    return None


def outside_duties(lex: CompiledLexicon, text: str) -> tuple[Evidence, Rule] | None:
    """The first outside-duties rule that fires (its referral hint and optional category)."""
    for rule in lex.outside_duties:
        found = rule.matches(text)
        if found is not None:
            feature = f"out_of_scope:outside_duties:{rule.name}"
            return Evidence(feature=feature, value="+".join(found), weight=1.0), rule
    return None


def no_facts(lex: CompiledLexicon, text: str, best_category_score: float) -> Evidence | None:
    """Too vague to act on: no concrete subject and only generic discontent, or almost no text."""
    spec = lex.no_facts
    if best_category_score >= float(spec.get("max_category_score", 2)):
        return None
    body = content_chars(text)
    if len(body) > int(spec.get("max_chars", 30)):
        return None
    vague = next((term for term in spec.get("vague", ()) if term in text), None)
    if vague is None and len(body) > int(spec.get("short_chars", 4)):
        return None
    return Evidence(feature="out_of_scope:no_facts", value=vague or body, weight=1.0)


def emotional_cues(lex: CompiledLexicon, text: str) -> tuple[bool, list[str], float]:
    """情绪激动: weighted emotional terms plus runs of exclamation marks."""
    score = 0.0
    found: list[str] = []
    for hit in lex.emotional_matcher.find(text):
        weight = hit.payload
        if weight:
            score += weight
            found.append(hit.term)
    runs = _EXCLAMATION_RUN.findall(text)
    longest = max(runs, key=len) if runs else ""
    if len(longest) >= 3 or text.count("!") >= 3:
        score += lex.long_exclamation_weight
        found.append(longest or "!" * text.count("!"))
    elif longest:
        score += lex.exclamation_weight
        found.append(longest)
    return score >= lex.emotional_threshold, found, score
