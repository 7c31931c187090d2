"""Out of scope is decided on the matter model's probability of *all* out-of-scope kinds together:
an unseen matter is often spread over several kinds, none of them above 0.5 on its own."""

from __future__ import annotations

import pytest

from pm_triage.domain.classification import Classifier
from pm_triage.domain.classification.decision import DecisionPolicy
from pm_triage.domain.classification.lexicon import compile_lexicon, load_default_lexicon
from pm_triage.domain.classification.linear_model import LinearModel, TriageModel
from pm_triage.domain.classification.models import CATEGORIES

pytestmark = pytest.mark.unit
KINDS = ("in_scope", "outside_duties:courier", "outside_duties:market", "outside_duties:municipal", "no_facts")


def _model(matter_weights: list[float]) -> TriageModel:
    category = LinearModel(tuple(CATEGORIES), tuple(0.0 for _ in CATEGORIES), {})
    urgency = LinearModel(("general", "suggestion", "urgent"), (2.0, 0.0, -4.0), {})
    matter = LinearModel(KINDS, (0.0,) * len(KINDS), {"c:包裹": matter_weights})
    return TriageModel("test-pooled", category, urgency, matter, {"包裹": 10}, {})


def _classify(policy: DecisionPolicy, weights: list[float]) -> tuple[bool, str | None]:
    classifier = Classifier(compile_lexicon(load_default_lexicon()), _model(weights), policy=policy)
    result = classifier.classify("这个包裹寄丢了找谁")
    return result.out_of_scope, result.out_of_scope_reason


def test_kinds_that_together_outweigh_the_threshold_make_it_out_of_scope() -> None:
    spread = [1.0, 0.9, 0.9, 0.9, 0.0]  # P(in scope) ≈ 0.25, each kind ≈ 0.22, together ≈ 0.66
    assert _classify(DecisionPolicy(outside_duties_total=0.3), spread) == (True, "outside_duties")
    # no single kind reaches outside_duties_min: without the pooled rule it stays in scope
    assert _classify(DecisionPolicy(outside_duties_total=1.01), spread) == (False, None)


def test_an_in_scope_matter_stays_in_scope() -> None:
    sure = [4.0, 0.0, 0.0, 0.0, 0.0]  # P(in scope) ≈ 0.93
    assert _classify(DecisionPolicy(outside_duties_total=0.3), sure) == (False, None)
