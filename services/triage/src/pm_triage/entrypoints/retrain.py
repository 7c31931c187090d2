"""重新训练分诊模型 / Retrain the triage model with supervisors' recorded overrides.

Every supervisor review recorded by triage (confirm / override / reject, ``reviews`` collection) is
a label. The command trains a new model on the base training sets (``TRAINING_SETS``: the corpus's
train split and the older train set; and the extra hazard pools' rows, ``POOL_SETS`` and ``ALARM_POOL_SETS``) plus those
labels (each weighted ``--weight``), reports the
before/after figures on the FIXED test split (and on the reviews themselves), and **refuses** the
new model — writing nothing, exit status 2 — when it lowers urgent recall on the test split.
Otherwise it writes the model file with a new version string (which then travels on
``complaint.triaged`` as ``proposal.model_version``): ship it with a release, or point
``TRIAGE_MODEL_FILE`` at it and restart triage.

Usage::

    python -m pm_triage.entrypoints.retrain --reviews reviews.tsv      # from tools/export_triage_reviews.py
    python -m pm_triage.entrypoints.retrain --from-db [--estate SUNNY]  # MONGO_URL, TRIAGE_MONGO_DB
    options: --out PATH (default: the packaged model), --dry-run, --weight 3, --mongo-url, --db
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pm_triage.domain.classification import Classifier
from pm_triage.domain.classification.lexicon import compile_lexicon, load_default_lexicon
from pm_triage.domain.classification.linear_model import DEFAULT_MODEL_FILE, TriageModel, load_triage_model
from pm_triage.evaluation import KEY_FIGURES, evaluate
from pm_triage.training import (
    ALARM_POOL_SETS,
    CALIBRATION_SET,
    POOL_SETS,
    SERVICE_ROOT,
    TRAINING_SETS,
    Featurizer,
    calibrate,
    read_rows,
    save,
    train,
    training_rows,
)

TEST_SPLIT = SERVICE_ROOT / "corpus/test.tsv"
PACKAGED = Path(__file__).resolve().parents[1] / "domain/classification" / DEFAULT_MODEL_FILE
REFUSED = 2


def review_row(review: dict[str, Any], text: str) -> dict[str, str] | None:
    """A recorded review as a labelled row (the supervisor's decision is the label)."""
    after = review.get("after") or {}
    if not text.strip() or not after.get("category") or not after.get("urgency"):
        return None
    reason = str(after.get("rejection_reason") or "")
    matter = {"outside_duties": "outside_duties:unknown", "in_litigation": "in_litigation", "no_facts": "no_facts"}
    oos = after.get("decision") == "rejected" and reason in matter
    return {
        "category": str(after["category"]),
        "urgency": str(after["urgency"]),
        "out_of_scope": "1" if oos else "0",
        "scope": str(after.get("scope") or ""),
        "reason": matter.get(reason, "") if oos else "",
        "text": " ".join(text.split()),
    }


async def reviews_from_db(
    estate: str | None, mongo_url: str | None = None, db: str | None = None
) -> list[dict[str, str]]:
    """Every recorded review of the triage DB (``MONGO_URL``, ``TRIAGE_MONGO_DB``) as labelled rows."""
    from pm_common.mongo import Mongo
    from pm_triage.adapters.repository import MongoTriageRepository
    from pm_triage.config import TriageSettings

    settings = TriageSettings()
    mongo = Mongo(mongo_url or settings.mongo_url, db or settings.mongo_db)
    try:
        pairs = await MongoTriageRepository(mongo).reviewed_texts(estate)
    finally:
        mongo.close()
    return [row for review, text in pairs if (row := review_row(review, text)) is not None]


def compare(
    old: TriageModel | None, new: TriageModel, test: list[dict[str, str]], reviews: list[dict[str, str]]
) -> tuple[dict[str, float], dict[str, float]]:
    lexicon = compile_lexicon(load_default_lexicon())
    before = evaluate(Classifier(lexicon, old), test)
    after = evaluate(Classifier(lexicon, new), test)
    print(f"{'test split (' + str(len(test)) + ' rows)':<28}{'before':>10}{'after':>10}")
    for key in KEY_FIGURES:
        print(f"  {key:<26}{before[key]:>10.3f}{after[key]:>10.3f}")
    if reviews:
        r_before, r_after = evaluate(Classifier(lexicon, old), reviews), evaluate(Classifier(lexicon, new), reviews)
        print(f"{'supervisors reviews (' + str(len(reviews)) + ')':<28}{'before':>10}{'after':>10}")
        for key in ("urgent_recall", "urgency_accuracy", "category_accuracy"):
            print(f"  {key:<26}{r_before[key]:>10.3f}{r_after[key]:>10.3f}")
    return before, after


def acceptable(before: dict[str, float], after: dict[str, float]) -> bool:
    """The gate: a new model may not lower urgent recall on the fixed test split."""
    return after["urgent_recall"] >= before["urgent_recall"]


def retrain(
    reviews: list[dict[str, str]],
    *,
    out: Path,
    weight: float,
    dry_run: bool,
    old: TriageModel | None = None,
    train_sets: Sequence[Path] | None = None,
    test_split: Path | None = None,
    pools: Sequence[Path] | None = None,
    alarm_pools: Sequence[Path] | None = None,
) -> int:
    """``pools`` default to ``POOL_SETS`` and ``alarm_pools`` to ``ALARM_POOL_SETS`` with the base
    training sets, both to none with other ones."""
    pools = pools if pools is not None else (POOL_SETS if train_sets is None else ())
    alarm_pools = alarm_pools if alarm_pools is not None else (ALARM_POOL_SETS if train_sets is None else ())
    train_sets, test_split = train_sets or TRAINING_SETS, test_split or TEST_SPLIT
    base = training_rows(train_sets)
    rows = base + reviews
    weights = [1.0] * len(base) + [weight] * len(reviews)
    old = old if old is not None else load_triage_model(out if out.is_file() else None)
    meta = {"trained_on": [p.name for p in train_sets], "pools": [p.name for p in pools],
            "alarm_pools": [p.name for p in alarm_pools], "reviews": len(reviews), "review_weight": weight}  # fmt: skip
    new = train(rows, Featurizer.default(), weights=weights, pool_rows=training_rows(pools),
                alarm_pool_rows=training_rows(alarm_pools), meta=meta)  # fmt: skip
    if CALIBRATION_SET.is_file():
        new = calibrate(new, read_rows(CALIBRATION_SET), CALIBRATION_SET.name)
    before, after = compare(old, new, read_rows(test_split), reviews)
    if not acceptable(before, after):
        print(f"REFUSED: urgent recall on the test split would drop {before['urgent_recall']:.3f} → "
              f"{after['urgent_recall']:.3f}; {old.version if old else 'no model'} stays")  # fmt: skip
        return REFUSED
    if dry_run:
        print(f"dry run: {new.version} not written")
        return 0
    save(new, out)
    print(f"wrote {new.version} ({len(reviews)} reviews) → {out}; restart triage to load it")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--reviews", type=Path, help="TSV from tools/export_triage_reviews.py")
    source.add_argument("--from-db", action="store_true", help="read the reviews from the triage DB")
    parser.add_argument("--estate")
    parser.add_argument("--out", type=Path, default=PACKAGED)
    parser.add_argument("--weight", type=float, default=3.0, help="weight of a review against a corpus row")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--mongo-url", help="default: MONGO_URL")
    parser.add_argument("--db", help="default: TRIAGE_MONGO_DB")
    parser.add_argument("--train-split", type=Path, nargs="+", help="default: TRAINING_SETS of a checkout")
    parser.add_argument("--test-split", type=Path, help="default: services/triage/corpus/test.tsv of a checkout")
    args = parser.parse_args(argv)
    if args.reviews:
        reviews = [row for r in read_rows(args.reviews) if (row := _tsv_review(r)) is not None]
    else:
        reviews = asyncio.run(reviews_from_db(args.estate, args.mongo_url, args.db))
    print(f"{len(reviews)} supervisor review(s)")
    splits = {"train_sets": args.train_split, "test_split": args.test_split}
    return retrain(reviews, out=args.out, weight=args.weight, dry_run=args.dry_run, **splits)


def _tsv_review(row: dict[str, str]) -> dict[str, str] | None:
    """A row of tools/export_triage_reviews.py (columns of the labelled sets)."""
    if not row.get("text", "").strip():
        return None
    reason = "outside_duties:unknown" if row.get("out_of_scope") == "1" else ""
    return {**{k: row.get(k, "") for k in ("category", "urgency", "out_of_scope", "scope", "text")}, "reason": reason}


if __name__ == "__main__":
    sys.exit(main())
