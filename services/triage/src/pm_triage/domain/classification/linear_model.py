"""The versioned linear triage model: multinomial logistic regressions stored as JSON weights.

Inference is plain Python (a dict lookup per feature), so the domain needs no numeric library;
training lives in ``pm_triage.training`` (scikit-learn). The file carries a version string that
travels on ``complaint.triaged`` (``proposal.model_version``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .features import Segmenter

DEFAULT_MODEL_FILE = "triage_model.json"


@dataclass(frozen=True)
class LinearModel:
    labels: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, list[float]]  # feature -> one weight per label
    _index: dict[str, int] = field(init=False, repr=False, compare=False)
    _matrix: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = list(self.weights)
        object.__setattr__(self, "_index", {name: i for i, name in enumerate(names)})
        matrix = np.array([self.weights[n] for n in names] or [[0.0] * len(self.labels)], dtype=np.float64)
        object.__setattr__(self, "_matrix", matrix)

    def scores(self, feats: dict[str, float]) -> list[float]:
        """Bias plus the weights of the present (binary) features."""
        index = self._index
        rows = [i for i in map(index.get, feats) if i is not None]
        total = np.array(self.bias, dtype=np.float64)
        if rows:
            total = total + self._matrix[rows].sum(axis=0)
        return [float(v) for v in total]

    def proba(self, feats: dict[str, float]) -> dict[str, float]:
        scores = self.scores(feats)
        peak = max(scores)
        exps = [math.exp(s - peak) for s in scores]
        norm = sum(exps)
        return {label: e / norm for label, e in zip(self.labels, exps, strict=True)}

    def strongest(self, feats: dict[str, float], label: str, limit: int = 3) -> list[tuple[str, float]]:
        """The features that pushed most towards `label` (for evidence)."""
        i = self.labels.index(label)
        ranked = sorted(
            ((name, self.weights[name][i]) for name in feats if name in self.weights),
            key=lambda item: item[1],
            reverse=True,
        )
        return [(name, round(w, 3)) for name, w in ranked[:limit] if w > 0]

    def to_dict(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "bias": list(self.bias), "weights": self.weights}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearModel:
        return cls(tuple(data["labels"]), tuple(float(b) for b in data["bias"]), data["weights"])


@dataclass(frozen=True)
class TriageModel:
    """Category, urgency and matter (in scope / out-of-scope kind) models of one version, and the
    urgent **alarm**: a binary urgent-or-not model over the text alone (no hazard-rule features), so
    that it is a signal independent of the rules — it can catch an emergency the rules miss."""

    version: str
    category: LinearModel
    urgency: LinearModel
    matter: LinearModel
    vocabulary: dict[str, int]  # jieba words (→ frequency) the model was trained with
    meta: dict[str, Any]
    alarm: LinearModel | None = None  # labels ("0", "1"): P(urgent) from the text alone
    scope: LinearModel | None = None  # labels unit / building / estate (group is the rules')

    def segmenter(self) -> Segmenter:
        return Segmenter(self.vocabulary)

    def p_alarm(self, feats: dict[str, float]) -> float | None:
        """The alarm's P(urgent) (None for a model file without one)."""
        return self.alarm.proba(feats).get("1", 0.0) if self.alarm is not None else None

    def to_dict(self) -> dict[str, Any]:
        optional = tuple(k for k in ("alarm", "scope") if getattr(self, k) is not None)
        names = ("category", "urgency", "matter", *optional)
        return {
            "version": self.version,
            "meta": self.meta,
            "vocabulary": self.vocabulary,
            "models": {k: getattr(self, k).to_dict() for k in names},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TriageModel:
        models = data["models"]
        return cls(
            version=str(data["version"]),
            category=LinearModel.from_dict(models["category"]),
            urgency=LinearModel.from_dict(models["urgency"]),
            matter=LinearModel.from_dict(models["matter"]),
            vocabulary={str(k): int(v) for k, v in (data.get("vocabulary") or {}).items()},
            meta=dict(data.get("meta") or {}),
            alarm=LinearModel.from_dict(models["alarm"]) if "alarm" in models else None,
            scope=LinearModel.from_dict(models["scope"]) if "scope" in models else None,
        )


def load_triage_model(path: Path | None = None) -> TriageModel | None:
    """The packaged model (or the file at `path`); None when no model is shipped."""
    if path is not None:
        return TriageModel.from_dict(json.loads(path.read_text(encoding="utf-8")))
    resource = resources.files(__package__).joinpath(DEFAULT_MODEL_FILE)
    if not resource.is_file():
        return None
    return TriageModel.from_dict(json.loads(resource.read_text(encoding="utf-8")))
