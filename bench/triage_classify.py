"""Triage classifier speed: model load time and milliseconds per text (the timing goals of issue 13:
"loads in seconds, classifies in milliseconds"), against a raw floor measured in the same run: the
same texts through jieba's word cut alone (one of the classifier's own steps).

    .venv/bin/python bench/triage_classify.py [--rounds 5] [--compare OTHER_MODEL.json]

``--compare`` also times another model file (e.g. the previous release's) in the same run, the
rounds interleaved, so the two figures share the machine's load.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

import jieba

from pm_triage.domain.classification.classifier import Classifier
from pm_triage.domain.classification.lexicon import compile_lexicon, load_default_lexicon
from pm_triage.domain.classification.linear_model import load_triage_model

DEV = Path(__file__).resolve().parents[1] / "services/triage/data/triage_dev.tsv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--compare", type=Path, help="another model file, timed in the same rounds")
    args = parser.parse_args()
    with DEV.open(encoding="utf-8") as fh:
        texts = [row["text"] for row in csv.DictReader(fh, delimiter="\t")]
    started = time.perf_counter()
    classifier = Classifier.default()
    load_s = time.perf_counter() - started
    list(jieba.cut("预热"))  # jieba's own dictionary load is not part of the floor
    other = None
    if args.compare:
        t0 = time.perf_counter()
        other = Classifier(compile_lexicon(load_default_lexicon()), load_triage_model(args.compare))
        other_load = time.perf_counter() - t0
    per_text, floor, other_text = [], [], []
    singles: list[float] = []  # every text of every round, for the p99
    other_singles: list[float] = []
    for _ in range(args.rounds):
        per_text.append(_round(classifier, texts, singles))
        if other is not None:
            other_text.append(_round(other, texts, other_singles))
        t0 = time.perf_counter()
        for text in texts:
            list(jieba.cut(text))
        floor.append((time.perf_counter() - t0) * 1000 / len(texts))
    best, base = min(per_text), min(floor)
    print(f"texts                 {len(texts)} (shared dev sample), {args.rounds} rounds, best round")
    print(f"model load            {load_s:.2f} s   (goal: seconds)")
    print(f"classify per text     {best:.2f} ms  (median round {statistics.median(per_text):.2f} ms,"
          f" p99 of single texts {_p99(singles):.2f} ms)")  # fmt: skip
    print(f"floor: jieba cut      {base:.3f} ms")
    print(f"ratio classify/floor  {best / base:.1f}x")
    if other is not None:
        print(f"compared: {other.model_version} load {other_load:.2f} s, {min(other_text):.2f} ms per text"
              f" (median round {statistics.median(other_text):.2f} ms, p99 {_p99(other_singles):.2f} ms)")  # fmt: skip
    print(f"model                 {classifier.model_version}")


def _round(classifier: Classifier, texts: list[str], singles: list[float]) -> float:
    """One pass over the texts: the mean ms per text; each text's own time appended to `singles`."""
    started = time.perf_counter()
    for text in texts:
        t0 = time.perf_counter()
        classifier.classify(text)
        singles.append((time.perf_counter() - t0) * 1000)
    return (time.perf_counter() - started) * 1000 / len(texts)


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else (values[0] if values else 0.0)


if __name__ == "__main__":
    main()
