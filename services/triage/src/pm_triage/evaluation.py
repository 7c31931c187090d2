"""Figures of a classifier on labelled rows (shared by tools/eval_triage.py and the retraining gate)."""

from __future__ import annotations

from collections.abc import Sequence

from pm_triage.domain.classification import Classification, Classifier

# sha256 of the sets that are run once per release and never tuned on (tools/eval_triage.py and the
# unit tests refuse a changed file): the corpus's test split and the hand-written hold-out and owner sets.
FROZEN = {
    "test": "7d1ca31ca7cba76f99f5b8a53b3cf22c76d6178f660e81bba9f59cbe79273541",
    "holdout": "448a520724911aae672d64da91844fed0ab93933d47b229b6d240a4c538f3fcc",
    # 311 owner texts written by hand before this release's model changes (docs/triage.md)
    "owner_eval": "e2c13293c224654cecbcb615085bb4fa192282fe8508b5b172f92ed596637074",
    # 1,899 rows composed from hazard pool p4, written by a third independent writer (release 12)
    "gen_p4_eval": "0ccbf38b449569e3fc6e95292ee8a3e865e0a594a8b5b76a50f5ba3c4020100c",
}
KEY_FIGURES = ("urgent_recall", "urgent_precision", "urgency_accuracy", "category_accuracy", "out_of_scope_recall")


def _ratio(hit: int, total: int) -> float:
    return hit / total if total else 1.0


def is_true(value: str | None) -> bool:
    return str(value or "").strip() in ("1", "true", "True")


def figures(rows: Sequence[dict[str, str]], results: Sequence[Classification]) -> dict[str, float]:
    """Urgent recall/precision (with and without the urgent_uncertain fail-safe), accuracies,
    out-of-scope recall/precision and the share of items queued as urgent_uncertain."""
    pairs = list(zip(rows, results, strict=True))
    gold_urgent = [r["urgency"] == "urgent" for r in rows]
    pred_urgent = [c.urgency == "urgent" for c in results]
    sure_urgent = [c.urgency == "urgent" and "urgent_uncertain" not in c.review_reasons for c in results]
    gold_oos = [is_true(r.get("out_of_scope")) for r in rows]
    pred_oos = [c.out_of_scope for c in results]
    tp = sum(g and p for g, p in zip(gold_urgent, pred_urgent, strict=True))
    tp_sure = sum(g and p for g, p in zip(gold_urgent, sure_urgent, strict=True))
    oos_tp = sum(g and p for g, p in zip(gold_oos, pred_oos, strict=True))
    queued = sum(p and not s for p, s in zip(pred_urgent, sure_urgent, strict=True))
    out = {
        "rows": float(len(rows)),
        "urgent_recall": _ratio(tp, sum(gold_urgent)),
        "urgent_precision": _ratio(tp, sum(pred_urgent)),
        "urgent_recall_without_review": _ratio(tp_sure, sum(gold_urgent)),
        "urgent_precision_without_review": _ratio(tp_sure, sum(sure_urgent)),
        "urgent_review_share": _ratio(queued, len(rows)),
        "urgency_accuracy": _ratio(sum(r["urgency"] == c.urgency for r, c in pairs), len(rows)),
        "category_accuracy": _ratio(sum(r["category"] == c.category for r, c in pairs), len(rows)),
        "out_of_scope_recall": _ratio(oos_tp, sum(gold_oos)),
        "out_of_scope_precision": _ratio(oos_tp, sum(pred_oos)),
    }
    if rows and rows[0].get("scope"):
        out["scope_accuracy"] = _ratio(sum(r.get("scope") == c.scope for r, c in pairs), len(rows))
    graded = [(r["grade"], c.grade) for r, c in pairs if r.get("grade")]
    if graded:  # the complaint grade (重大/重要/轻微), on the sets labelled with it
        out["grade_accuracy"] = _ratio(sum(g == p for g, p in graded), len(graded))
        out["major_recall"] = _ratio(
            sum(p == "major" for g, p in graded if g == "major"), sum(g == "major" for g, _ in graded)
        )
        out["graded_rows"] = float(len(graded))
    return out


def evaluate(classifier: Classifier, rows: Sequence[dict[str, str]]) -> dict[str, float]:
    return figures(rows, [classifier.classify(r["text"]) for r in rows])
