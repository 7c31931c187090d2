"""An estate's lexicon overlay: extra terms and rules merged over the packaged lexicon.

Same shape as ``classification/lexicon.yaml`` (dicts merge key by key, lists extend, rules with
the same ``name`` replace), plus ``facilities`` for fault grouping. Validated by compiling it, after
a bounded, non-recursive check of its shape: the packaged lexicon nests 6 levels deep, so deeper
input (or a huge or out-of-range one) is refused before the recursive merge could overflow the stack
or the document exceed what the database stores.
"""

from __future__ import annotations

from typing import Any

from pm_triage.domain.classification import LexiconError, compile_lexicon, load_default_lexicon, merge_lexicon
from pm_triage.domain.errors import InvalidLexicon

ALLOWED_SECTIONS = frozenset(
    {"normalize", "categories", "neutral", "urgency", "scope", "out_of_scope", "emotional", "facilities"}
)


MAX_DEPTH = 8  # nesting levels of dicts/lists (the packaged lexicon has 6)
MAX_NODES = 20_000  # values in the whole overlay
MAX_NUMBER = 1_000_000  # weights are small numbers (the packaged lexicon: -3 … 30)


def check_shape(overlay: dict[str, Any]) -> None:
    """Raise ``InvalidLexicon`` when the overlay is too deep, too large or holds an absurd number."""
    stack: list[tuple[Any, int]] = [(overlay, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise InvalidLexicon(f"more than {MAX_NODES} values", f"条目过多（上限 {MAX_NODES} 个）")
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise InvalidLexicon(f"nested deeper than {MAX_DEPTH} levels", f"嵌套层级过深（上限 {MAX_DEPTH} 层）")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(value, int | float) and not isinstance(value, bool) and not abs(value) <= MAX_NUMBER:
            raise InvalidLexicon(
                f"number out of range (|n| ≤ {MAX_NUMBER})", f"数值超出范围（绝对值上限 {MAX_NUMBER}）"
            )


def validate_overlay(overlay: dict[str, Any], base: dict[str, Any] | None = None) -> None:
    """Raise ``InvalidLexicon`` unless the overlay merges into a lexicon that compiles."""
    check_shape(overlay)
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
