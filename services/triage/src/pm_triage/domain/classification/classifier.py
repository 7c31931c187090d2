"""The explainable triage classifier: compositional hazard rules, a linear model over character
n-grams, jieba words and hazard features, and the lexicon (estate-extensible) as evidence.

Urgency is decided with asymmetric cost (``decision.decide_urgent``); category adds the lexicon's
weights to the model's log-probabilities; out-of-scope combines the model's matter label with the
lexicon's named rules; the grade (重大/重要/轻微) is proposed with evidence (``grade.py``).
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

import yaml

from . import rules
from .decision import DecisionPolicy, decide_urgent, leading_hazard
from .features import features
from .grade import propose_grade
from .hazards import HazardHit, HazardRules
from .lexicon import CompiledLexicon, compile_lexicon, load_default_lexicon, merge_lexicon
from .linear_model import TriageModel, load_triage_model
from .models import CATEGORIES, Category, Classification, Evidence, OutOfScopeReason, Scope, Urgency
from .text import content_chars, normalize

# Who handles an out-of-scope matter's answer (taxonomy §3): a developer's defect or an owner's own
# appliance is engineering's, a utility bill finance's, every other kind customer service's (other).
KIND_CATEGORY: dict[str, Category] = {
    "developer_warranty": "engineering",
    "own_appliance": "engineering",
    "utility_bill": "fees_finance",
}


def load_referrals() -> dict[str, str]:
    raw = resources.files(__package__).joinpath("referrals.yaml").read_text(encoding="utf-8")
    return {str(k): str(v) for k, v in (yaml.safe_load(raw) or {}).items()}


class Classifier:
    """Classifies an owner's text into category, urgency, scope and grade, flags out-of-scope
    matters and emotional complainants, and explains every decision with evidence."""

    def __init__(
        self,
        lexicon: CompiledLexicon,
        model: TriageModel | None = None,
        *,
        hazards: HazardRules | None = None,
        policy: DecisionPolicy | None = None,
        referrals: dict[str, str] | None = None,
    ) -> None:
        self._lex = lexicon
        self._model = model
        self._hazards = hazards or HazardRules.default(lexicon.replacements)
        self._policy = policy or DecisionPolicy()
        self._referrals = referrals if referrals is not None else load_referrals()
        self._segmenter = model.segmenter() if model is not None else None

    @classmethod
    def default(cls, extra_lexicon: dict[str, Any] | None = None, *, use_model: bool = True) -> Classifier:
        """The packaged lexicon (optionally with an estate's overlay merged over it) and model."""
        lexicon = compile_lexicon(merge_lexicon(load_default_lexicon(), extra_lexicon))
        return cls(lexicon, load_triage_model() if use_model else None)

    @property
    def model_version(self) -> str | None:
        return self._model.version if self._model else None

    def normalized(self, text: str) -> str:
        """The text as the rules see it: folded, with dialect words, typos and variants mapped."""
        return normalize(text, self._lex.replacements)[0]

    def classify(self, text: str) -> Classification:
        norm, applied = normalize(text, self._lex.replacements)
        evidence = [Evidence(feature="normalized", value=f"{a}→{b}", weight=0.0) for a, b in applied]
        litigation = rules.litigation(self._lex, norm)
        hits = self._hazards.find(norm)
        if litigation is not None:  # a matter before a court is not an emergency in progress
            hits = [HazardHit(h.family, h.category, h.life_safety, h.object, h.state, "risk", h.start) for h in hits]
        evidence += [
            Evidence(feature=f"hazard:{h.family}:{h.modality}", value=h.evidence_value, weight=1.0) for h in hits
        ]
        feats = features(norm, hits, self._segmenter) if self._segmenter else {}
        lexical = rules.urgent_cues(self._lex, norm)
        evidence += lexical.evidence
        lexical_signal = lexical.triggered and any(  # a lexicon trigger inside a risk or an announcement is none
            self._lexical_live(norm, e.value.split("+")[0], e.value.split("+")[-1])
            for e in lexical.evidence
            if e.feature == "urgency:urgent" or e.feature.startswith("rule:")
        )

        p_urg = self._model.urgency.proba(feats) if self._model else None
        p_alarm = self._model.p_alarm(feats) if self._model else None
        negated = any(e.feature == "urgency:negated" for e in lexical.evidence)
        decision = decide_urgent(
            hits, p_urg["urgent"] if p_urg else None, lexical_signal, self._policy, p_alarm, negated=negated
        )
        lead = leading_hazard(hits) if decision.urgent else None
        category, p_category = self._category(norm, feats, lead, evidence)
        if decision.reason == "alarm" and p_alarm is not None and p_alarm < self._policy.alarm_against_rules:
            # the alarm alone against a matter outside the property's duties (a water bill told in a
            # hurry: 赶快处理) needs the stronger signal, as it does against rules that read a risk
            if self._out_of_scope(norm, feats, litigation, category, [])[0] == "outside_duties":
                decision = decide_urgent(hits, p_urg["urgent"] if p_urg else None, lexical_signal, self._policy)
        urgency, p_urgency = self._urgency(norm, decision.urgent, p_urg, evidence)
        if p_urg is not None:
            evidence.append(Evidence(feature="model:urgent", value=decision.reason, weight=round(p_urg["urgent"], 3)))
        if p_alarm is not None and self._model is not None and self._model.alarm is not None:
            strongest = self._model.alarm.strongest(feats, "1", limit=3) if p_alarm >= 0.2 else []
            value = ",".join(name for name, _ in strongest) or "-"  # the n-grams only where they matter
            evidence.append(Evidence(feature="model:alarm", value=value, weight=round(p_alarm, 3)))
        review: list[str] = []
        if decision.urgent and decision.uncertain:
            review.append("urgent_uncertain")
            evidence.append(Evidence(feature="review:urgent_uncertain", value=decision.reason, weight=0.0))

        reason: OutOfScopeReason | None = None
        referral: str | None = None
        p_out = 1.0
        if not decision.urgent:
            reason, referral, category = self._out_of_scope(norm, feats, litigation, category, evidence)
            if reason == "outside_duties" and self._model is not None:
                p_out = self._refusal_confidence(norm, feats, evidence)
        scope = self._scope(norm, feats, evidence)
        emotional, emotional_terms, _ = rules.emotional_cues(self._lex, norm)
        if emotional:
            evidence.append(Evidence(feature="emotional", value="、".join(emotional_terms), weight=1.0))
        grade = propose_grade(
            norm, urgent=decision.urgent, hazard=lead, scope=scope, emotional=emotional,
            category=category, out_of_scope=reason is not None,
        )  # fmt: skip
        evidence += [Evidence(feature=f"grade:{grade.grade}", value=item, weight=0.0) for item in grade.evidence]
        confidence = p_urgency if decision.urgent else min(self._calibrated(math.sqrt(p_category * p_urgency)), p_out)
        return Classification(
            category=category,
            urgency=urgency,
            scope=_as_scope(scope),
            out_of_scope=reason is not None,
            out_of_scope_reason=reason,
            referral=referral,
            confidence=round(min(max(confidence, 0.0), 1.0), 3),
            evidence=evidence,
            emotional=emotional,
            emotional_evidence=emotional_terms,
            grade=grade.grade,
            grade_evidence=list(grade.evidence),
            review_reasons=review,
            model_version=self.model_version,
        )

    def _lexical_live(self, text: str, first: str, last: str) -> bool:
        """A lexicon trigger (or a combination rule's first term) that is not inside a described
        risk and not an announced cut or drill (停电检修的通知, 消防演练警报会响)."""
        start = text.find(first)
        if self._hazards.modality_at(text, start) == "risk" or self._hazards.excused(text, first):
            return False
        planned = self._hazards.planned_at
        return not (planned(text, first, start) or planned(text, last, text.find(last)))

    def _calibrated(self, raw: float) -> float:
        """Platt scaling fitted on the dev split at training time (``meta.calibration``): the raw
        scores are over-confident (dev: 0.998 raw was right 97 % of the time, 0.75 raw 51 %)."""
        fit = self._model.meta.get("calibration") if self._model is not None else None
        if not fit:
            return raw
        p = min(max(raw, 1e-4), 1 - 1e-4)
        return _sigmoid(float(fit["a"]) * math.log(p / (1 - p)) + float(fit["b"]))

    def _refusal_confidence(self, text: str, feats: dict[str, float], evidence: list[Evidence]) -> float:
        """Model-decided: the model's P(out of scope), unless a lexicon rule agrees. Rule-decided (or
        agreed): trusted unless the model is nearly sure it is in scope; then a supervisor decides
        (below the auto-refusal confidence)."""
        assert self._model is not None
        p_in = self._model.matter.proba(feats).get("in_scope", 0.0)
        by_model = any(e.feature.startswith("out_of_scope:outside_duties") and e.value == "model" for e in evidence)
        if by_model and rules.outside_duties(self._lex, text) is None:
            return 1.0 - p_in
        return self._policy.disputed_refusal_confidence if p_in >= self._policy.model_in_scope_veto else 1.0

    def _category(
        self, text: str, feats: dict[str, float], lead: HazardHit | None, evidence: list[Evidence]
    ) -> tuple[Category, float]:
        lexical, lex_evidence = rules.category_terms(self._lex, text)
        evidence += lex_evidence
        if self._model is None:
            scores = dict(lexical)
        else:
            proba = self._model.category.proba(feats)
            weight = self._policy.lexicon_weight
            scores = {c: math.log(max(proba.get(c, 0.0), 1e-6)) + weight * lexical[c] for c in CATEGORIES}
            scores["other"] -= self._policy.other_penalty
        if lead is not None and lead.category in scores:
            bias = self._policy.hazard_category_bias
            scores[lead.category] += bias
            evidence.append(Evidence(feature=f"category:{lead.category}", value=f"hazard:{lead.family}", weight=bias))
        category = max(CATEGORIES, key=lambda name: scores[name])
        if self._model is not None:
            for name, weight in self._model.category.strongest(feats, category):
                evidence.append(Evidence(feature=f"model:{category}", value=name, weight=weight))
        return category, _softmax_top(scores, category)

    def _scope(self, text: str, feats: dict[str, float], evidence: list[Evidence]) -> str:
        """The scope model's log-probabilities plus the lexicon's scope cues (an estate's overlay
        counts); group, and a text the model does not know, stay the rules'."""
        scope, found, cues = rules.scope_of(self._lex, text)
        evidence += found
        if scope == "group" or self._model is None or self._model.scope is None or not feats:
            return scope
        proba = self._model.scope.proba(feats)
        weight = self._policy.scope_rule_weight
        best = max(proba, key=lambda level: math.log(max(proba[level], 1e-6)) + weight * cues.get(level, 0.0))
        evidence.append(Evidence(feature=f"model:scope:{best}", value="log-odds", weight=round(proba[best], 3)))
        return best

    def _urgency(
        self, text: str, urgent: bool, p_urg: dict[str, float] | None, evidence: list[Evidence]
    ) -> tuple[Urgency, float]:
        if urgent:
            return "urgent", max(p_urg["urgent"], 0.5) if p_urg else 0.9
        balance, tone = rules.tone_cues(self._lex, text)
        evidence += tone
        if p_urg is None:
            return ("suggestion", _sigmoid(balance)) if balance > 0 else ("general", _sigmoid(-balance + 0.5))
        lean = math.log(max(p_urg["suggestion"], 1e-6) / max(p_urg["general"], 1e-6))
        lean += self._policy.tone_weight * balance
        evidence.append(Evidence(feature="model:suggestion", value="log-odds", weight=round(lean, 3)))
        return ("suggestion", _sigmoid(lean)) if lean > 0 else ("general", _sigmoid(-lean))

    def _out_of_scope(
        self,
        text: str,
        feats: dict[str, float],
        litigation: Evidence | None,
        category: Category,
        evidence: list[Evidence],
    ) -> tuple[OutOfScopeReason | None, str | None, Category]:
        if litigation is not None:
            evidence.append(litigation)
            return "in_litigation", self._lex.litigation.get("referral"), category
        proba = self._model.matter.proba(feats) if self._model else {"in_scope": 1.0}
        top = max(proba, key=lambda k: proba[k])
        rule = rules.outside_duties(self._lex, text)
        kinds = {k: v for k, v in proba.items() if k.startswith("outside_duties")}
        top_kind = max(kinds, key=lambda k: kinds[k]) if kinds else ""
        # The matter model splits "out of scope" over 13 kinds: an unseen matter is often spread
        # over several of them, so their sum decides (the kind is the likeliest one).
        outside = sum(kinds.values()) >= self._policy.outside_duties_total and proba[top_kind] > proba.get(
            "no_facts", 0.0
        )
        if top_kind and (proba[top_kind] >= self._policy.outside_duties_min or outside):
            top = top_kind
            kind = top.split(":", 1)[1] if ":" in top else "unknown"
            evidence.append(
                Evidence(feature=f"out_of_scope:outside_duties:{kind}", value="model", weight=round(kinds[top], 3))
            )
            # the matched rule's referral names the very matter (and an estate's overlay may set its
            # own contact); the kind's referral is the generic one
            referral = (
                (rule[1].referral if rule else None) or self._referrals.get(kind) or self._referrals.get("unknown")
            )
            return "outside_duties", referral, KIND_CATEGORY.get(kind, "other")
        if rule is not None and proba.get("in_scope", 1.0) < self._policy.rule_in_scope_max:
            found, matched = rule
            evidence.append(found)
            if matched.category in CATEGORIES:
                category = matched.category
            return "outside_duties", matched.referral, category
        lexical, _ = rules.category_terms(self._lex, text)
        vague = rules.no_facts(self._lex, text, max(lexical.values()))
        short = len(content_chars(text)) <= 12 and max(lexical.values()) < 2.5
        if vague is not None or (top == "no_facts" and proba[top] >= 0.5 and short):
            evidence.append(
                vague or Evidence(feature="out_of_scope:no_facts", value="model", weight=round(proba[top], 3))
            )
            return "no_facts", None, "other"
        if top == "in_litigation" and proba[top] >= 0.6:
            evidence.append(Evidence(feature="out_of_scope:in_litigation", value="model", weight=round(proba[top], 3)))
            return "in_litigation", self._lex.litigation.get("referral"), category
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
