"""An estate's lexicon overlay: extra terms and rules merged over the packaged lexicon.

Same shape as ``classification/lexicon.yaml`` (dicts merge key by key, lists extend, rules with
the same ``name`` replace), plus ``facilities`` for fault grouping. Validated by compiling it.
"""

from __future__ import annotations

from typing import Any

from pm_triage.domain.classification import LexiconError, compile_lexicon, load_default_lexicon, merge_lexicon
from pm_triage.domain.errors import InvalidLexicon

ALLOWED_SECTIONS = frozenset(
    {"normalize", "categories", "neutral", "urgency", "scope", "out_of_scope", "emotional", "facilities"}
)


def validate_overlay(overlay: dict[str, Any], base: dict[str, Any] | None = None) -> None:
    """Raise ``InvalidLexicon`` unless the overlay merges into a lexicon that compiles."""
    unknown = sorted(set(overlay) - ALLOWED_SECTIONS)
    if unknown:
        raise InvalidLexicon(f"unknown section(s) {', '.join(unknown)}")
    facilities = overlay.get("facilities") or {}
    if not isinstance(facilities, dict) or not all(
        k in ("building", "estate") and isinstance(v, dict) for k, v in facilities.items()
    ):
        raise InvalidLexicon("facilities must be {building: {term: name}, estate: {term: name}}")
    try:
        compile_lexicon(merge_lexicon(base if base is not None else load_default_lexicon(), overlay))
    except LexiconError as exc:
        raise InvalidLexicon(str(exc)) from None
