"""Per-estate classifiers: the packaged lexicon with the estate's overlay from the triage DB.

The overlay's revision is read on every use, so a change through the API applies to the next
complaint and preview of that estate, in every instance, without a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from pm_triage.domain.classification import Classifier, compile_lexicon, load_default_lexicon, merge_lexicon
from pm_triage.domain.classification.linear_model import TriageModel, load_triage_model
from pm_triage.domain.grouping import FacilityCatalog


class LexiconStore(Protocol):
    async def lexicon(self, estate_id: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class EstateRules:
    classifier: Classifier
    facilities: FacilityCatalog
    revision: str | None


class EstateClassifiers:
    def __init__(self, store: LexiconStore, *, model: TriageModel | None = None, use_model: bool = True) -> None:
        self._store = store
        self._base = load_default_lexicon()
        self._model: TriageModel | None = model or (load_triage_model() if use_model else None)
        self._default = self.build(None, None)
        self._cache: dict[str, EstateRules] = {}

    def build(self, overlay: dict[str, Any] | None, revision: str | None) -> EstateRules:
        lexicon = compile_lexicon(merge_lexicon(self._base, overlay))
        return EstateRules(Classifier(lexicon, self._model), FacilityCatalog.default(overlay), revision)

    @property
    def base_lexicon(self) -> dict[str, Any]:
        return self._base

    async def for_estate(self, estate_id: str | None) -> EstateRules:
        if not estate_id:
            return self._default
        doc = await self._store.lexicon(estate_id)
        if not doc:
            self._cache.pop(estate_id, None)
            return self._default
        cached = self._cache.get(estate_id)
        if cached is not None and cached.revision == doc["revision"]:
            return cached
        rules = self.build(doc["overlay"], doc["revision"])
        self._cache[estate_id] = rules
        return rules
