"""Explainable classification of owner texts for triage (pure domain code, no I/O libraries).

Usage::

    classifier = Classifier.default(extra_lexicon=estate_overlay)  # overlay: dict from YAML/JSON
    result = classifier.classify("1号楼电梯困人了")
    result.urgency, result.category, result.scope, result.evidence
"""

from .classifier import Classifier
from .lexicon import LexiconError, compile_lexicon, load_default_lexicon, merge_lexicon
from .models import (
    CATEGORIES,
    SCOPES,
    URGENCIES,
    Category,
    Classification,
    Evidence,
    OutOfScopeReason,
    Scope,
    Urgency,
)

__all__ = [
    "CATEGORIES",
    "SCOPES",
    "URGENCIES",
    "Category",
    "Classification",
    "Classifier",
    "Evidence",
    "LexiconError",
    "OutOfScopeReason",
    "Scope",
    "Urgency",
    "compile_lexicon",
    "load_default_lexicon",
    "merge_lexicon",
]
