"""The packaged lexicon and hazard rules without the model, built once for the rule tests."""

from __future__ import annotations

from pm_triage.domain.classification import Classifier
from pm_triage.domain.classification.hazards import HazardRules
from pm_triage.domain.classification.lexicon import compile_lexicon, load_default_lexicon

LEXICON = compile_lexicon(load_default_lexicon())
HAZARDS = HazardRules.default(LEXICON.replacements)
RULES = Classifier(LEXICON)


def now_families(text: str) -> set[str]:
    """The hazard families the rules read as happening now in `text`."""
    return {h.family for h in HAZARDS.find(RULES.normalized(text)) if h.modality == "now"}
