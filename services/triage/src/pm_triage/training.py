"""Training of the linear triage model (scikit-learn), shared by tools/train_triage.py and the
retraining command (``python -m pm_triage.entrypoints.retrain``).

Rows are dicts with the corpus columns (category, urgency, out_of_scope, reason, text). Texts are
normalised and run through the hazard rules exactly as at run time (``Featurizer``).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from pm_triage.domain.classification.features import Segmenter, features, full_vocabulary
from pm_triage.domain.classification.hazards import HazardRules
from pm_triage.domain.classification.lexicon import load_default_lexicon
from pm_triage.domain.classification.linear_model import LinearModel, TriageModel
from pm_triage.domain.classification.text import normalize

PRUNE = 0.02  # weights below this (on every label) are dropped from the file


@dataclass
class Featurizer:
    replacements: dict[str, str]
    hazards: HazardRules
    vocabulary: dict[str, int] = field(default_factory=dict)
    segmenter: Segmenter | None = None

    @classmethod
    def default(cls) -> Featurizer:
        replacements = {str(k): str(v) for k, v in (load_default_lexicon().get("normalize") or {}).items()}
        return cls(replacements, HazardRules.default(replacements))

    def fit_vocabulary(self, texts: Sequence[str]) -> None:
        """The model's word vocabulary: the training texts' words under jieba's full dictionary."""
        self.vocabulary = full_vocabulary(normalize(t, self.replacements)[0] for t in texts)
        self.segmenter = Segmenter(self.vocabulary)

    def __call__(self, text: str) -> dict[str, float]:
        assert self.segmenter is not None, "fit_vocabulary first"
        norm = normalize(text, self.replacements)[0]
        return features(norm, self.hazards.find(norm), self.segmenter)


def matter_label(row: dict[str, str]) -> str:
    if str(row.get("out_of_scope", "0")).strip() not in ("1", "true", "True"):
        return "in_scope"
    reason = (row.get("reason") or "").strip()
    return reason or "outside_duties:unknown"


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _fit(x: Any, labels: Sequence[str], weights: Sequence[float], names: list[str], c: float) -> LinearModel:
    model = LogisticRegression(C=c, max_iter=3000)
    model.fit(x, list(labels), sample_weight=list(weights))
    classes = [str(k) for k in model.classes_]
    coef = model.coef_
    if len(classes) == 2:  # binary: sklearn keeps one row; make it symmetric
        coef = [-coef[0] / 2, coef[0] / 2]
        bias = [-float(model.intercept_[0]) / 2, float(model.intercept_[0]) / 2]
    else:
        bias = [float(b) for b in model.intercept_]
    table: dict[str, list[float]] = {}
    for j, name in enumerate(names):
        row = [float(coef[i][j]) for i in range(len(classes))]
        if max(abs(w) for w in row) >= PRUNE:
            table[name] = [round(w, 4) for w in row]
    return LinearModel(tuple(classes), tuple(round(b, 4) for b in bias), table)


def train(
    rows: Sequence[dict[str, str]],
    featurizer: Featurizer,
    *,
    weights: Sequence[float] | None = None,
    c: float = 4.0,
    meta: dict[str, Any] | None = None,
) -> TriageModel:
    """Fit the category, urgency and matter models; the version is derived from the weights."""
    featurizer.fit_vocabulary([r["text"] for r in rows])
    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform([featurizer(r["text"]) for r in rows])
    names = list(vectorizer.get_feature_names_out())
    w = list(weights) if weights is not None else [1.0] * len(rows)
    category = _fit(x, [r["category"] for r in rows], w, names, c)
    urgency = _fit(x, [r["urgency"] for r in rows], w, names, c)
    matter = _fit(x, [matter_label(r) for r in rows], w, names, c)
    body = json.dumps([category.to_dict(), urgency.to_dict(), matter.to_dict(), featurizer.vocabulary], sort_keys=True)
    stamp = datetime.now(UTC)
    version = f"lin-{stamp:%Y%m%d}-{hashlib.sha256(body.encode()).hexdigest()[:8]}"
    info = {"trained_at": stamp.isoformat(timespec="seconds"), "rows": len(rows), "C": c, **(meta or {})}
    return TriageModel(version, category, urgency, matter, dict(featurizer.vocabulary), info)


def save(model: TriageModel, path: Path) -> None:
    path.write_text(json.dumps(model.to_dict(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
