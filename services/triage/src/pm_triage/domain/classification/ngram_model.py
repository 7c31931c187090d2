"""A small multinomial naive-Bayes model over character n-grams, stored as JSON.

It complements the lexicon for phrasing the lexicon does not cover. Training is plain
counting (see tools/train_triage.py); the JSON holds log-probabilities rounded to 3 decimals.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .text import char_ngrams

DEFAULT_MODEL_FILE = "ngram_model.json"


@dataclass(frozen=True)
class NaiveBayes:
    """Class priors, per-class feature log-likelihoods and the log-likelihood of unseen features."""

    labels: tuple[str, ...]
    log_prior: dict[str, float]
    log_likelihood: dict[str, dict[str, float]]  # feature -> label -> log p(feature | label)
    log_unseen: dict[str, float]

    def log_posterior(self, grams: Sequence[str]) -> dict[str, float]:
        """Normalised log-posterior per label (log-sum-exp over labels is 0)."""
        scores = dict(self.log_prior)
        for gram in grams:
            row = self.log_likelihood.get(gram)
            if row is None:
                continue
            for label in self.labels:
                scores[label] += row.get(label, self.log_unseen[label])
        top = max(scores.values())
        norm = top + math.log(sum(math.exp(v - top) for v in scores.values()))
        return {label: value - norm for label, value in scores.items()}

    def strongest(self, grams: Sequence[str], label: str, limit: int = 3) -> list[tuple[str, float]]:
        """The n-grams that most favour `label` over the average of the other labels."""
        others = [x for x in self.labels if x != label]
        ranked: dict[str, float] = {}
        for gram in set(grams):
            row = self.log_likelihood.get(gram)
            if row is None or len(gram) < 2:
                continue
            own = row.get(label, self.log_unseen[label])
            rest = sum(row.get(x, self.log_unseen[x]) for x in others) / max(len(others), 1)
            if own - rest > 0:
                ranked[gram] = own - rest
        best = sorted(ranked.items(), key=lambda item: item[1], reverse=True)[:limit]
        return [(gram, round(score, 3)) for gram, score in best]

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "log_prior": self.log_prior,
            "log_unseen": self.log_unseen,
            "log_likelihood": self.log_likelihood,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NaiveBayes:
        return cls(
            labels=tuple(data["labels"]),
            log_prior={k: float(v) for k, v in data["log_prior"].items()},
            log_likelihood=data["log_likelihood"],
            log_unseen={k: float(v) for k, v in data["log_unseen"].items()},
        )


def train_naive_bayes(samples: Iterable[tuple[str, str]], alpha: float = 0.5, min_count: int = 1) -> NaiveBayes:
    """Fit on (normalised text, label) pairs with additive smoothing `alpha`."""
    counts: dict[str, Counter[str]] = {}
    docs: Counter[str] = Counter()
    for text, label in samples:
        docs[label] += 1
        counts.setdefault(label, Counter()).update(char_ngrams(text))
    totals: Counter[str] = Counter()
    for counter in counts.values():
        totals.update(counter)
    vocab = sorted(g for g, c in totals.items() if c >= min_count)
    labels = tuple(sorted(docs))
    n_docs = sum(docs.values())
    log_prior = {label: round(math.log(docs[label] / n_docs), 3) for label in labels}
    log_unseen: dict[str, float] = {}
    likelihood: dict[str, dict[str, float]] = {gram: {} for gram in vocab}
    for label in labels:
        counter = counts[label]
        denom = sum(counter[g] for g in vocab) + alpha * (len(vocab) + 1)
        log_unseen[label] = round(math.log(alpha / denom), 3)
        for gram in vocab:
            if counter[gram]:
                likelihood[gram][label] = round(math.log((counter[gram] + alpha) / denom), 3)
    return NaiveBayes(labels, log_prior, likelihood, log_unseen)


def load_models(name: str = DEFAULT_MODEL_FILE) -> dict[str, NaiveBayes]:
    """Load the packaged models ({"category": ..., "urgency": ...}); empty if none is shipped."""
    resource = resources.files(__package__).joinpath(name)
    if not resource.is_file():
        return {}
    data = json.loads(resource.read_text(encoding="utf-8"))
    return {key: NaiveBayes.from_dict(value) for key, value in data.get("models", {}).items()}
