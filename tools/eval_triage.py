"""评估分诊分类器 / Evaluate the triage classifier: train / dev / test splits and the older sets.

Prints per set: urgent recall and precision, urgency / category accuracy, out-of-scope recall and
precision, the share of urgent items queued for review (``urgent_uncertain``) and the precision the
fail-safe costs (urgent precision with and without the uncertain ones), scope accuracy, grade
distribution and the mean time per text.

The **test** split is composed only from held-out phrase pools and is never tuned on: run it once
per release (``--sets test``) and report it as is (docs/triage.md). The **holdout** set
(``corpus/holdout.tsv``, 440 hand-written texts with grade labels, frozen: its sha256 is checked
here and by the unit tests) was written before the model work it reports on and is likewise run
once per release, as is ``corpus/owner_eval.tsv`` (311 hand-written owner texts, frozen before the
model changes of the release that added it) and ``corpus/gen_p4_eval.tsv`` (1,899 rows composed from a
hazard pool by a third independent writer, release 12); ``--errors`` lists a frozen set's misses only with
``--holdout-errors`` (they are then spent).
``--markdown`` prints the figures as the table of docs/triage.md.

Usage::

    .venv/bin/python tools/eval_triage.py                    # every set
    .venv/bin/python tools/eval_triage.py --sets train dev owner-train   # development (never a frozen set)
    .venv/bin/python tools/eval_triage.py --sets test holdout owner_eval gen_p4_eval  # frozen: once per release
    .venv/bin/python tools/eval_triage.py --sets dev fresh --errors
    .venv/bin/python tools/eval_triage.py FILE.tsv --model other_model.json
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services/triage/src"))

import yaml  # noqa: E402

from pm_triage.domain.classification import Classifier  # noqa: E402
from pm_triage.domain.classification.lexicon import compile_lexicon, load_default_lexicon, merge_lexicon  # noqa: E402
from pm_triage.domain.classification.linear_model import load_triage_model  # noqa: E402
from pm_triage.evaluation import FROZEN, figures  # noqa: E402

SETS = {
    "train": ROOT / "services/triage/corpus/train.tsv",
    "dev": ROOT / "services/triage/corpus/dev.tsv",
    "test": ROOT / "services/triage/corpus/test.tsv",
    "older-train": ROOT / "services/triage/data/triage_train.tsv",
    "owner-train": ROOT / "services/triage/corpus/owner_train.tsv",
    "owner-train-r5": ROOT / "services/triage/corpus/owner_train_r5.tsv",
    "owner-dev-r5": ROOT / "services/triage/corpus/owner_dev_r5.tsv",
    "owner-train-r6": ROOT / "services/triage/corpus/owner_train_r6.tsv",
    "owner-dev-r6": ROOT / "services/triage/corpus/owner_dev_r6.tsv",
    "owner-train-r7": ROOT / "services/triage/corpus/owner_train_r7.tsv",
    "owner-dev-r7": ROOT / "services/triage/corpus/owner_dev_r7.tsv",
    "owner-train-r7b": ROOT / "services/triage/corpus/owner_train_r7b.tsv",
    "owner-dev-r7b": ROOT / "services/triage/corpus/owner_dev_r7b.tsv",
    "owner-train-r8": ROOT / "services/triage/corpus/owner_train_r8.tsv",
    "owner-dev-r8": ROOT / "services/triage/corpus/owner_dev_r8.tsv",
    "owner-train-r9": ROOT / "services/triage/corpus/owner_train_r9.tsv",
    "owner-dev-r9": ROOT / "services/triage/corpus/owner_dev_r9.tsv",
    "owner-train-r9b": ROOT / "services/triage/corpus/owner_train_r9b.tsv",
    "owner-dev-r9b": ROOT / "services/triage/corpus/owner_dev_r9b.tsv",
    "owner-train-r10": ROOT / "services/triage/corpus/owner_train_r10.tsv",
    "owner-dev-r10": ROOT / "services/triage/corpus/owner_dev_r10.tsv",
    "owner-train-r11": ROOT / "services/triage/corpus/owner_train_r11.tsv",
    "owner-dev-r11": ROOT / "services/triage/corpus/owner_dev_r11.tsv",
    "owner-train-r12": ROOT / "services/triage/corpus/owner_train_r12.tsv",
    "owner-dev-r12": ROOT / "services/triage/corpus/owner_dev_r12.tsv",
    "owner-train-r13": ROOT / "services/triage/corpus/owner_train_r13.tsv",
    "owner-dev-r13": ROOT / "services/triage/corpus/owner_dev_r13.tsv",
    "owner-train-r14": ROOT / "services/triage/corpus/owner_train_r14.tsv",
    "owner-dev-r14": ROOT / "services/triage/corpus/owner_dev_r14.tsv",
    "owner-train-r15": ROOT / "services/triage/corpus/owner_train_r15.tsv",
    "owner-dev-r15": ROOT / "services/triage/corpus/owner_dev_r15.tsv",
    "owner-train-r16": ROOT / "services/triage/corpus/owner_train_r16.tsv",
    "owner-dev-r16": ROOT / "services/triage/corpus/owner_dev_r16.tsv",
    # release 13: 300 owner texts by an independent writer, scored before use; the alarm's threshold dev side
    "owner-dev-r17": ROOT / "services/triage/corpus/owner_dev_r17.tsv",
    # composed by tools/gen_triage_corpus.py --extra-hazards p2 / p3 / p5 from pools written by independent
    # writers in releases 11 and 12: p2 and p3 trained on since release 12 (pm_triage.training.POOL_SETS),
    # p5 not (the dev side on which the pools' weights were chosen)
    "gen-p2-train": ROOT / "services/triage/corpus/gen_p2_train.tsv",
    "gen-p2-dev": ROOT / "services/triage/corpus/gen_p2_dev.tsv",
    "gen-p3-train": ROOT / "services/triage/corpus/gen_p3_train.tsv",
    "gen-p3-dev": ROOT / "services/triage/corpus/gen_p3_dev.tsv",
    "gen-p5-train": ROOT / "services/triage/corpus/gen_p5_train.tsv",
    "gen-p5-dev": ROOT / "services/triage/corpus/gen_p5_dev.tsv",
    # p6: a fifth writer's pool, scored by release 12 before any use (docs/triage.md); since release 13,
    # p5 and p6 are heard by the alarm alone (pm_triage.training.ALARM_POOL_SETS)
    "gen-p6-train": ROOT / "services/triage/corpus/gen_p6_train.tsv",
    "gen-p6-dev": ROOT / "services/triage/corpus/gen_p6_dev.tsv",
    # p7, p8: two more writers (release 13), scored before use; the dev side of the alarm's choices, not trained on
    "gen-p7-train": ROOT / "services/triage/corpus/gen_p7_train.tsv",
    "gen-p7-dev": ROOT / "services/triage/corpus/gen_p7_dev.tsv",
    "gen-p8-train": ROOT / "services/triage/corpus/gen_p8_train.tsv",
    "gen-p8-dev": ROOT / "services/triage/corpus/gen_p8_dev.tsv",
    # ... and p4 (a third writer, release 12) with --held-out: frozen, never trained on, run once per release
    "gen_p4_eval": ROOT / "services/triage/corpus/gen_p4_eval.tsv",
    "fresh": ROOT / "services/triage/data/triage_fresh.tsv",
    "sample": ROOT / "services/triage/data/triage_dev.tsv",
    "holdout": ROOT / "services/triage/corpus/holdout.tsv",
    "owner_eval": ROOT / "services/triage/corpus/owner_eval.tsv",
}


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def evaluate(name: str, path: Path, classifier: Classifier, show_errors: bool) -> dict[str, float]:
    if name in FROZEN and hashlib.sha256(path.read_bytes()).hexdigest() != FROZEN[name]:
        raise SystemExit(f"{path} changed: the {name} set is frozen (sha256 {FROZEN[name][:12]}…)")
    rows = read_rows(path)
    started = time.perf_counter()
    results = [classifier.classify(row["text"]) for row in rows]
    ms = (time.perf_counter() - started) * 1000 / max(len(rows), 1)
    fig = figures(rows, results)
    grades = Counter(c.grade for c in results)
    print(f"== {name}: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({len(rows)} rows)")
    print(
        f"  urgent recall {fig['urgent_recall']:.3f}  urgent precision {fig['urgent_precision']:.3f}"
        f"  (without the fail-safe: recall {fig['urgent_recall_without_review']:.3f},"
        f" precision {fig['urgent_precision_without_review']:.3f}; queued urgent_uncertain"
        f" {fig['urgent_review_share']:.1%} of items)"
    )
    line = (
        f"  urgency accuracy {fig['urgency_accuracy']:.3f}  category accuracy {fig['category_accuracy']:.3f}"
        f"  out-of-scope recall {fig['out_of_scope_recall']:.3f} precision {fig['out_of_scope_precision']:.3f}"
    )
    if "scope_accuracy" in fig:
        line += f"  scope accuracy {fig['scope_accuracy']:.3f}"
    print(line)
    if "grade_accuracy" in fig:
        print(
            f"  grade accuracy {fig['grade_accuracy']:.3f} on {fig['graded_rows']:.0f} graded rows,"
            f" major recall {fig['major_recall']:.3f}"
        )
    print(f"  grades {dict(grades)}  mean {ms:.2f} ms/text")
    if show_errors:
        for row, res in zip(rows, results, strict=True):
            wrong = [
                f"{k}:{row[k]}→{v}" for k, v in (("category", res.category), ("urgency", res.urgency)) if row[k] != v
            ]
            if (row["out_of_scope"].strip() == "1") != res.out_of_scope:
                wrong.append(f"oos:{row['out_of_scope']}→{res.out_of_scope_reason}")
            if row.get("grade") and row["grade"] != res.grade:
                wrong.append(f"grade:{row['grade']}→{res.grade}")
            if wrong:
                why = ",".join(
                    e.value for e in res.evidence if e.feature.startswith(("hazard", "model:urgent", "rule"))
                )
                print(f"    ✗ {' '.join(wrong)} | {row['text']} | {why}")
    return fig


def build(extra: Path | None, model: Path | None) -> Classifier:
    overlay = None
    if extra:
        raw = extra.read_text(encoding="utf-8")
        overlay = json.loads(raw) if extra.suffix == ".json" else yaml.safe_load(raw)
    lexicon = compile_lexicon(merge_lexicon(load_default_lexicon(), overlay))
    return Classifier(lexicon, load_triage_model(model))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="other labelled TSV files")
    parser.add_argument("--sets", nargs="*", choices=list(SETS), help="named sets (default: all)")
    parser.add_argument("--errors", action="store_true", help="list misclassified rows (not of a frozen set)")
    parser.add_argument("--holdout-errors", action="store_true", help="also list the frozen sets' misses")
    parser.add_argument("--markdown", action="store_true", help="print the figures as a markdown table")
    parser.add_argument("--model", type=Path, help="a model file other than the packaged one")
    parser.add_argument("--extra-lexicon", type=Path, help="estate overlay (YAML or JSON)")
    args = parser.parse_args()
    started = time.perf_counter()
    classifier = build(args.extra_lexicon, args.model)
    print(f"model {classifier.model_version}, loaded in {(time.perf_counter() - started) * 1000:.0f} ms\n")
    chosen = [(n, SETS[n]) for n in (args.sets or ([] if args.files else list(SETS)))]
    table = []
    for name, path in chosen + [(p.stem, p) for p in args.files]:
        errors = args.errors and (name not in FROZEN or args.holdout_errors)
        table.append((name, evaluate(name, path, classifier, errors)))
    if args.markdown:
        print_table(table)


def print_table(table: list[tuple[str, dict[str, float]]]) -> None:
    print("\n| set | rows | urgent recall | urgent precision | queued `urgent_uncertain` | urgency acc. |"
          " category acc. | out-of-scope recall / precision | grade acc. |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, f in table:
        grade = f"{f['grade_accuracy']:.3f}" if "grade_accuracy" in f else "—"
        print(
            f"| {name} | {f['rows']:,.0f} | {f['urgent_recall']:.3f} ({f['urgent_recall_without_review']:.3f})"
            f" | {f['urgent_precision']:.3f} ({f['urgent_precision_without_review']:.3f})"
            f" | {f['urgent_review_share']:.1%} | {f['urgency_accuracy']:.3f} | {f['category_accuracy']:.3f}"
            f" | {f['out_of_scope_recall']:.3f} / {f['out_of_scope_precision']:.3f} | {grade} |"
        )


if __name__ == "__main__":
    main()
