"""评估分诊分类器 / Evaluate the triage classifier on labelled TSV files.

Prints, per file: precision / recall / F1 per class for category and urgency, urgent recall,
category / urgency / out-of-scope accuracy (and scope accuracy when the file has a `scope`
column) and the mean classification time.

Usage::

    .venv/bin/python tools/eval_triage.py [FILE.tsv ...] [--errors] [--no-model] [--extra-lexicon F]

Without files it evaluates ``services/triage/data/triage_dev.tsv`` (a copy of ../shared/data/triage_dev.tsv),
``services/triage/data/triage_train.tsv`` and ``services/triage/data/triage_fresh.tsv``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services/triage/src"))

import yaml  # noqa: E402

from pm_triage.domain.classification import CATEGORIES, URGENCIES, Classification, Classifier  # noqa: E402

DEFAULT_FILES = (
    ROOT / "services/triage/data/triage_dev.tsv",
    ROOT / "services/triage/data/triage_train.tsv",
    ROOT / "services/triage/data/triage_fresh.tsv",
)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def per_class(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> list[str]:
    lines = [f"  {'class':<18}{'prec':>7}{'recall':>8}{'f1':>7}{'n':>5}"]
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, pred, strict=True))
        n_pred = sum(p == label for p in pred)
        n_gold = sum(g == label for g in gold)
        if not n_gold and not n_pred:
            continue
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_gold if n_gold else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        lines.append(f"  {label:<18}{prec:>7.3f}{rec:>8.3f}{f1:>7.3f}{n_gold:>5}")
    return lines


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float:
    return sum(g == p for g, p in zip(gold, pred, strict=True)) / max(len(gold), 1)


def evaluate(path: Path, classifier: Classifier, show_errors: bool) -> dict[str, float]:
    rows = read_rows(path)
    started = time.perf_counter()
    results: list[Classification] = [classifier.classify(row["text"]) for row in rows]
    elapsed_ms = (time.perf_counter() - started) * 1000 / max(len(rows), 1)
    cat_gold = [r["category"] for r in rows]
    urg_gold = [r["urgency"] for r in rows]
    cat_pred = [r.category for r in results]
    urg_pred = [r.urgency for r in results]
    urgent_total = sum(g == "urgent" for g in urg_gold)
    urgent_hit = sum(g == p == "urgent" for g, p in zip(urg_gold, urg_pred, strict=True))
    figures = {
        "rows": float(len(rows)),
        "urgent_recall": urgent_hit / urgent_total if urgent_total else 1.0,
        "category_accuracy": accuracy(cat_gold, cat_pred),
        "urgency_accuracy": accuracy(urg_gold, urg_pred),
        "out_of_scope_accuracy": accuracy(
            [r["out_of_scope"].strip() in ("1", "true", "True") for r in rows],
            [r.out_of_scope for r in results],
        ),
        "ms_per_text": elapsed_ms,
    }
    if rows and "scope" in rows[0]:
        figures["scope_accuracy"] = accuracy([r["scope"] for r in rows], [r.scope for r in results])
    print(f"== {path} ({len(rows)} rows)")
    print(" category:")
    print("\n".join(per_class(cat_gold, cat_pred, CATEGORIES)))
    print(" urgency:")
    print("\n".join(per_class(urg_gold, urg_pred, URGENCIES)))
    print(f" urgent recall {figures['urgent_recall']:.3f} ({urgent_hit}/{urgent_total})")
    for key in ("category_accuracy", "urgency_accuracy", "out_of_scope_accuracy", "scope_accuracy"):
        if key in figures:
            print(f" {key.replace('_', ' ')} {figures[key]:.3f}")
    print(f" mean time {elapsed_ms:.2f} ms/text")
    if show_errors:
        for row, res in zip(rows, results, strict=True):
            wrong = [
                f"{key}:{row[key]}→{got}"
                for key, got in (("category", res.category), ("urgency", res.urgency))
                if row[key] != got
            ]
            if (row["out_of_scope"].strip() == "1") != res.out_of_scope:
                wrong.append(f"out_of_scope:{row['out_of_scope']}→{res.out_of_scope_reason}")
            if wrong:
                terms = ",".join(f"{e.value}" for e in res.evidence if e.feature.startswith(("category", "urg")))
                print(f"  ✗ {' '.join(wrong)} | {row['text']} | {terms}")
    print()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--errors", action="store_true", help="list misclassified rows")
    parser.add_argument("--no-model", action="store_true", help="lexicon rules only")
    parser.add_argument("--extra-lexicon", type=Path, help="estate overlay (YAML or JSON)")
    args = parser.parse_args()
    extra = None
    if args.extra_lexicon:
        raw = args.extra_lexicon.read_text(encoding="utf-8")
        extra = json.loads(raw) if args.extra_lexicon.suffix == ".json" else yaml.safe_load(raw)
    started = time.perf_counter()
    classifier = Classifier.default(extra, use_ngram_model=not args.no_model)
    print(f"classifier loaded in {(time.perf_counter() - started) * 1000:.0f} ms\n")
    for path in args.files or DEFAULT_FILES:
        evaluate(path, classifier, args.errors)


if __name__ == "__main__":
    main()
