"""The explainable triage classifier: lexicon rules first, a character n-gram model second."""

from __future__ import annotations

import math
from typing import Any

from . import rules
from .lexicon import CompiledLexicon, compile_lexicon, load_default_lexicon, merge_lexicon
from .models import CATEGORIES, Category, Classification, Evidence, OutOfScopeReason, Scope, Urgency
from .ngram_model import NaiveBayes, load_models
from .text import char_ngrams, normalize


class Classifier:
    """Classifies an owner's text into category, urgency and scope, flags out-of-scope matters
    and emotional complainants, and explains every decision with evidence.

    Urgency is rule-first: any urgent trigger (lift entrapment, gas, burst pipe, water into
    electrics, fire/smoke, a person in danger, power/water cut) makes the item urgent whatever
    the statistical model says. Category and the general/suggestion split add the lexicon
    weights to a clipped naive-Bayes log-posterior so unseen phrasing still lands somewhere.
    """

    def __init__(
        self,
        lexicon: CompiledLexicon,
        models: dict[str, NaiveBayes] | None = None,
        *,
        ngram_weight: float = 0.3,
        ngram_clip: float = 6.0,
        tone_ngram_weight: float = 0.3,
    ) -> None:
        self._lex = lexicon
        self._models = models or {}
        self._ngram_weight = ngram_weight
        self._ngram_clip = ngram_clip
        self._tone_ngram_weight = tone_ngram_weight

    @classmethod
    def default(cls, extra_lexicon: dict[str, Any] | None = None, *, use_ngram_model: bool = True) -> Classifier:
        """The packaged lexicon (optionally with an estate's extra lexicon merged over it) and the
        packaged n-gram model."""
        lexicon = compile_lexicon(merge_lexicon(load_default_lexicon(), extra_lexicon))
        return cls(lexicon, load_models() if use_ngram_model else None)

    def normalized(self, text: str) -> str:
        """The text as the rules see it: folded, with dialect words, typos and variants mapped."""
        return normalize(text, self._lex.replacements)[0]

    def classify(self, text: str) -> Classification:
        norm, applied = normalize(text, self._lex.replacements)
        evidence = [Evidence(feature="normalized", value=f"{a}→{b}", weight=0.0) for a, b in applied]
        grams = char_ngrams(norm)

        urgent = rules.urgent_cues(self._lex, norm)
        category, p_category, cat_evidence, best_lex = self._category(norm, grams, urgent)
        urgency, p_urgency, urg_evidence = self._urgency(norm, grams, urgent)
        evidence += urgent.evidence + urg_evidence + cat_evidence

        reason: OutOfScopeReason | None = None
        referral: str | None = None
        if not urgent.triggered:
            reason, referral, category = self._out_of_scope(norm, best_lex, category, evidence)
        scope, scope_evidence = rules.scope_of(self._lex, norm)
        evidence += scope_evidence
        emotional, emotional_terms, _ = rules.emotional_cues(self._lex, norm)
        if emotional:
            evidence.append(Evidence(feature="emotional", value="、".join(emotional_terms), weight=1.0))
        return Classification(
            category=category,
            urgency=urgency,
            scope=_as_scope(scope),
            out_of_scope=reason is not None,
            out_of_scope_reason=reason,
            referral=referral,
            confidence=round(math.sqrt(p_category * p_urgency), 3),
            evidence=evidence,
            emotional=emotional,
            emotional_evidence=emotional_terms,
        )

    def _category(
        self, text: str, grams: list[str], urgent: rules.UrgencyCues
    ) -> tuple[Category, float, list[Evidence], float]:
        lexical, evidence = rules.category_terms(self._lex, text)
        for name, bias in urgent.category_bias.items():
            if name in lexical:
                lexical[name] += bias
        best_lex = max(lexical.values())
        scores = dict(lexical)
        model = self._models.get("category")
        if model is not None and grams:
            posterior = model.log_posterior(grams)
            for name in CATEGORIES:
                scores[name] += self._ngram_weight * max(posterior.get(name, -self._ngram_clip), -self._ngram_clip)
        category = max(CATEGORIES, key=lambda name: scores[name])
        if model is not None:
            for gram, weight in model.strongest(grams, category):
                evidence.append(Evidence(feature=f"ngram:{category}", value=gram, weight=weight))
        return category, _softmax_top(scores, category), evidence, best_lex

    def _urgency(self, text: str, grams: list[str], urgent: rules.UrgencyCues) -> tuple[Urgency, float, list[Evidence]]:
        balance, evidence = rules.tone_cues(self._lex, text)
        if urgent.triggered:
            margin = urgent.score - self._lex.urgent_threshold + 1.0
            return "urgent", _sigmoid(margin), evidence
        model = self._models.get("urgency")
        if model is not None and grams:
            posterior = model.log_posterior(grams)
            lean = posterior.get("suggestion", -9.0) - posterior.get("general", -9.0)
            lean = max(-self._ngram_clip, min(self._ngram_clip, lean)) * self._tone_ngram_weight
            evidence.append(Evidence(feature="ngram:suggestion", value="naive_bayes", weight=round(lean, 3)))
            balance += lean
        if balance > 0:
            return "suggestion", _sigmoid(balance), evidence
        return "general", _sigmoid(-balance + 0.5), evidence

    def _out_of_scope(
        self, text: str, best_lex: float, category: Category, evidence: list[Evidence]
    ) -> tuple[OutOfScopeReason | None, str | None, Category]:
        found = rules.litigation(self._lex, text)
        if found is not None:
            evidence.append(found)
            return "in_litigation", self._lex.litigation.get("referral"), category
        outside = rules.outside_duties(self._lex, text)
        if outside is not None:
            found_evidence, rule = outside
            evidence.append(found_evidence)
            if rule.category in CATEGORIES:
                category = rule.category
            return "outside_duties", rule.referral, category
        vague = rules.no_facts(self._lex, text, best_lex)
        if vague is not None:
            evidence.append(vague)
            return "no_facts", None, "other"
        return None, None, category


def _softmax_top(scores: dict[str, float], top: str) -> float:
    peak = max(scores.values())
    total = sum(math.exp(value - peak) for value in scores.values())
    return math.exp(scores[top] - peak) / total


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _as_scope(value: str) -> Scope:
    if value in ("unit", "building", "estate", "group"):
        return value  # type: ignore[return-value]
    return "estate"
