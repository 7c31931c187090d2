"""训练分诊字符 n-gram 模型 / Train the triage character n-gram naive-Bayes models.

Trains ONLY on ``services/triage/data/triage_train.tsv`` and writes
``pm_triage/domain/classification/ngram_model.json`` (a category model over the seven
categories and an urgency model used to split general from suggestion). Texts are normalised
with the packaged lexicon's replacement map, exactly as the classifier does at run time.

Usage::

    .venv/bin/python tools/train_triage.py [--train PATH] [--out PATH] [--folds 5]

``--folds N`` also prints an N-fold cross-validated accuracy of the models alone (on the
training file) before writing the model trained on all of it.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services/triage/src"))

from pm_triage.domain.classification.lexicon import load_default_lexicon  # noqa: E402
from pm_triage.domain.classification.ngram_model import NaiveBayes, train_naive_bayes  # noqa: E402
from pm_triage.domain.classification.text import char_ngrams, normalize  # noqa: E402

DEFAULT_TRAIN = ROOT / "services/triage/data/triage_train.tsv"
DEFAULT_OUT = ROOT / "services/triage/src/pm_triage/domain/classification/ngram_model.json"


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def fit(rows: list[dict[str, str]], replacements: dict[str, str]) -> dict[str, NaiveBayes]:
    texts = [normalize(row["text"], replacements)[0] for row in rows]
    return {
        "category": train_naive_bayes(zip(texts, (r["category"] for r in rows), strict=True)),
        "urgency": train_naive_bayes(zip(texts, (r["urgency"] for r in rows), strict=True)),
    }


def cross_validate(rows: list[dict[str, str]], replacements: dict[str, str], folds: int) -> None:
    hits = {"category": 0, "urgency": 0}
    for fold in range(folds):
        train = [r for i, r in enumerate(rows) if i % folds != fold]
        test = [r for i, r in enumerate(rows) if i % folds == fold]
        models = fit(train, replacements)
        for row in test:
            grams = char_ngrams(normalize(row["text"], replacements)[0])
            for key, model in models.items():
                posterior = model.log_posterior(grams)
                hits[key] += max(posterior, key=lambda label: posterior[label]) == row[key]
    for key, count in hits.items():
        print(f"{folds}-fold n-gram model alone, {key} accuracy: {count / len(rows):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=DEFAULT_TRAIN)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--folds", type=int, default=0)
    args = parser.parse_args()
    replacements = {str(k): str(v) for k, v in load_default_lexicon().get("normalize", {}).items()}
    rows = read_rows(args.train)
    if args.folds > 1:
        cross_validate(rows, replacements, args.folds)
    models = fit(rows, replacements)
    payload = {
        "trained_on": args.train.name,
        "rows": len(rows),
        "features": "char unigrams + bigrams of normalised text",
        "models": {key: model.to_dict() for key, model in models.items()},
    }
    args.out.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB) from {len(rows)} rows")


if __name__ == "__main__":
    main()
