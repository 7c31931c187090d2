"""Triage classifier speed: model load time and milliseconds per text (the timing goals of issue 13:
"loads in seconds, classifies in milliseconds"), against a raw floor measured in the same run: the
same texts through jieba's word cut alone (one of the classifier's own steps).

    .venv/bin/python bench/triage_classify.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

import jieba

from pm_triage.domain.classification.classifier import Classifier

DEV = Path(__file__).resolve().parents[1] / "services/triage/data/triage_dev.tsv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with DEV.open(encoding="utf-8") as fh:
        texts = [row["text"] for row in csv.DictReader(fh, delimiter="\t")]
    started = time.perf_counter()
    classifier = Classifier.default()
    load_s = time.perf_counter() - started
    list(jieba.cut("预热"))  # jieba's own dictionary load is not part of the floor
    per_text, floor = [], []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for text in texts:
            classifier.classify(text)
        per_text.append((time.perf_counter() - t0) * 1000 / len(texts))
        t0 = time.perf_counter()
        for text in texts:
            list(jieba.cut(text))
        floor.append((time.perf_counter() - t0) * 1000 / len(texts))
    best, base = min(per_text), min(floor)
    print(f"texts                 {len(texts)} (shared dev sample), {args.rounds} rounds, best round")
    print(f"model load            {load_s:.2f} s   (goal: seconds)")
    print(f"classify per text     {best:.2f} ms  (median round {statistics.median(per_text):.2f} ms)")
    print(f"floor: jieba cut      {base:.3f} ms")
    print(f"ratio classify/floor  {best / base:.1f}x")


if __name__ == "__main__":
    main()
