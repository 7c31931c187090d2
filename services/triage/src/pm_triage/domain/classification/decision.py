"""Urgency with asymmetric cost, out-of-scope and category decisions of the triage classifier.

A missed emergency is the worst error: urgent is decided on the *union* of the signals (hazard
rule happening now, the model's probability, the lexicon's urgent triggers), and every urgent
decision the signals do not agree on is marked ``urgent_uncertain`` for supervisor review — it is
dispatched as urgent at once and never silently made general.
"""

from __future__ import annotations

from dataclasses import dataclass

from .hazards import HazardHit


@dataclass(frozen=True)
class DecisionPolicy:
    urgent_confident: float = 0.5  # model probability that confirms a hazard rule hit
    urgent_alone: float = 0.85  # model probability that is urgent without any rule
    urgent_floor: float = 0.2  # with a described risk, urgent from here (review)
    urgent_model_review: float = 0.3  # the model alone, below urgent_confident: urgent + review (asymmetric cost)
    # the lexicon's category score added to the model's log-probability, and the log-odds towards the
    # leading hazard's category; release 11 (a model trained on 9,787 rows): 0.75 and 2.0, not 1.0 and
    # 3.0, on the owner dev sets +10 texts (7 sets up, 1 down), on the generated dev −1
    lexicon_weight: float = 0.75
    hazard_category_bias: float = 2.0
    tone_weight: float = 1.0  # lexicon suggestion-vs-complaint cues added to the model's log-odds
    other_penalty: float = 0.0  # log-odds against "other" (dev and cross-validation: none is best)
    outside_duties_min: float = 0.5  # matter model probability of an out-of-scope kind
    outside_duties_total: float = 0.15  # ... or of all kinds together (release 7: the three owner dev sets)
    model_in_scope_veto: float = 0.95  # a lexicon refusal the model is this sure is in scope ...
    disputed_refusal_confidence: float = 0.6  # ... gets this confidence (a supervisor decides)
    rule_in_scope_max: float = 1.01  # a lexicon outside-duties rule counts while P(in scope) is below (always)
    # the text-only alarm's P(urgent) that is a credible signal on its own (review); release 13: 0.4,
    # chosen on the fresh pools p7 + p8 and owner set r17 with the owner dev sets (misses + false alarms / 3)
    alarm: float = 0.4
    alarm_against_rules: float = 0.9  # ... when the rules read the only hazard as a risk (or past)
    scope_rule_weight: float = 0.25  # the lexicon's scope cues added to the scope model's log-probabilities


@dataclass(frozen=True)
class UrgentDecision:
    urgent: bool
    uncertain: bool
    reason: str  # which signals decided: for evidence


def decide_urgent(
    hits: list[HazardHit],
    p_urgent: float | None,
    lexicon_trigger: bool,
    policy: DecisionPolicy,
    p_alarm: float | None = None,
    negated: bool = False,
) -> UrgentDecision:
    """``negated``: the text names a hazard only to deny it (没有燃气味): the rules read it too."""
    decision = _decide(hits, p_urgent, lexicon_trigger, policy)
    if decision.urgent or p_alarm is None:
        return decision
    # The alarm reads the text alone, independently of the rules: a credible signal by itself
    # (urgent + review), but a stronger one is needed against rules that read a described risk
    # or a denied hazard.
    threshold = policy.alarm_against_rules if hits or negated else policy.alarm
    if p_alarm >= threshold:
        return UrgentDecision(True, True, "alarm")
    return decision


def _decide(
    hits: list[HazardHit], p_urgent: float | None, lexicon_trigger: bool, policy: DecisionPolicy
) -> UrgentDecision:
    now = any(h.modality == "now" for h in hits)
    past = any(h.modality == "past" and h.life_safety for h in hits)
    risk_only = bool(hits) and not now and not past
    lexicon = lexicon_trigger and not risk_only  # a trigger inside a described risk is not a signal
    if p_urgent is None:  # no model shipped: the rules alone
        return UrgentDecision(now or past or lexicon, uncertain=past and not now, reason="rules")
    if now and p_urgent >= policy.urgent_confident:
        return UrgentDecision(True, False, "hazard+model")
    if p_urgent >= policy.urgent_alone:
        return UrgentDecision(True, not (now or lexicon), "model")
    if now or lexicon:
        return UrgentDecision(True, True, "hazard" if now else "lexicon")
    if p_urgent >= policy.urgent_model_review:
        return UrgentDecision(True, True, "model")
    if past:  # a life-safety event of yesterday, not said to be over: a supervisor decides
        return UrgentDecision(True, True, "hazard_past")
    if risk_only and p_urgent >= policy.urgent_floor:
        return UrgentDecision(True, True, "hazard_risk+model")
    return UrgentDecision(False, False, "none")


# Which family leads (gives its category) when several fire: equipment that is itself the hazard
# first (an electrical fire is engineering's, an open pit someone fell into too), then people in
# danger (a person on a roof railing is security's, not the railing's), then structures and water,
# then the generic fire/smoke and supply cuts. A state alone of an object family (被困 without a
# lift: 被困在楼上 in a fire) ranks after every other hit.
LEAD_ORDER = ("electric", "gas", "water_electric", "lift", "pit", "tree", "violence", "height", "person",
              "vehicle", "structure", "water", "fire", "outage")  # fmt: skip
OBJECT_FAMILIES = frozenset(
    {"electric", "gas", "water_electric", "lift", "pit", "tree", "height", "structure", "water"}
)


def leading_hazard(hits: list[HazardHit]) -> HazardHit | None:
    """The hit happening now whose family leads (``LEAD_ORDER``), the earliest on a tie."""
    current = [h for h in hits if h.modality == "now"]
    if not current:
        return None
    rank = {name: i for i, name in enumerate(LEAD_ORDER)}

    def key(hit: HazardHit) -> tuple[int, int]:
        weak = not hit.object and hit.family in OBJECT_FAMILIES
        return rank.get(hit.family, len(rank)) + (len(rank) if weak else 0), hit.start

    return sorted(current, key=key)[0]
