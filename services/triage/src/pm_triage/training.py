"""Training of the linear triage model (scikit-learn), shared by tools/train_triage.py and the
retraining command (``python -m pm_triage.entrypoints.retrain``).

Rows are dicts with the corpus columns (category, urgency, out_of_scope, reason, text). Texts are
normalised and run through the hazard rules exactly as at run time (``Featurizer``).

The base training data is ``TRAINING_SETS``: the corpus's train split and the older, independently
labelled train set (``data/triage_train.tsv``; it has no out-of-scope reason column, so it trains
every model but the matter model). Dev, test and the frozen hold-out set
are never trained on.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from pm_triage.domain.classification import Classifier
from pm_triage.domain.classification.features import Segmenter, features, full_vocabulary
from pm_triage.domain.classification.hazards import HazardRules
from pm_triage.domain.classification.lexicon import compile_lexicon, load_default_lexicon
from pm_triage.domain.classification.linear_model import LinearModel, TriageModel
from pm_triage.domain.classification.text import normalize

PRUNE = 0.02  # weights below this (on every label) are dropped from the file
SERVICE_ROOT = Path(__file__).resolve().parents[2]
TRAINING_SETS = (
    SERVICE_ROOT / "corpus/train.tsv",
    SERVICE_ROOT / "data/triage_train.tsv",
    SERVICE_ROOT / "corpus/owner_train.tsv",  # 302 hand-written owner texts (docs/triage.md)
    SERVICE_ROOT / "corpus/owner_train_r5.tsv",  # 688 more, written for release 5 (owner_dev_r5.tsv: their dev side)
    SERVICE_ROOT / "corpus/owner_train_r6.tsv",  # 582 more, written for release 6 (owner_dev_r6.tsv: their dev side)
    SERVICE_ROOT / "corpus/owner_train_r7.tsv",  # 898 more, written for release 7 (owner_dev_r7.tsv: their dev side)
    SERVICE_ROOT / "corpus/owner_train_r7b.tsv",  # 650 more, release 7's second batch (owner_dev_r7b.tsv)
    SERVICE_ROOT / "corpus/owner_train_r8.tsv",  # 681 more, written for release 8 (owner_dev_r8.tsv)
    SERVICE_ROOT / "corpus/owner_train_r9.tsv",  # 656 more, written for release 9 (owner_dev_r9.tsv)
    SERVICE_ROOT / "corpus/owner_train_r9b.tsv",  # 174 more, release 9's category boundaries (owner_dev_r9b.tsv)
    SERVICE_ROOT / "corpus/owner_train_r11.tsv",  # 416 more, release 10's rare emergencies, people in distress
    SERVICE_ROOT / "corpus/owner_train_r12.tsv",  # 301 more, release 10's people in danger, threats (owner_dev_r12)
    SERVICE_ROOT / "corpus/owner_train_r13.tsv",  # 144 more, release 10's hotline day (owner_dev_r13)
    SERVICE_ROOT / "corpus/owner_train_r14.tsv",  # 214 more, release 10's bystanders, risky places (owner_dev_r14)
    SERVICE_ROOT / "corpus/owner_train_r15.tsv",  # 109 more, release 10.1's night shift (owner_dev_r15)
    SERVICE_ROOT / "corpus/owner_train_r16.tsv",  # 458 more, release 11's equipment, category, common areas, registers
)
# Rows composed by tools/gen_triage_corpus.py --extra-hazards from hazard pools written by independent
# writers after the test split was frozen (docs/triage.md, release 12): heard in full by the alarm, by
# the category model at a lower weight. Pools held out for measurement are never listed here: p4
# (frozen, gen_p4_eval) and p5 (the dev side on which these weights were chosen).
POOL_SETS = (
    SERVICE_ROOT / "corpus/gen_p2_train.tsv",
    SERVICE_ROOT / "corpus/gen_p2_dev.tsv",
    SERVICE_ROOT / "corpus/gen_p3_train.tsv",
    SERVICE_ROOT / "corpus/gen_p3_dev.tsv",
)
# Pools the alarm alone hears (release 13): heard by the category model too, p5 and p6 cost the
# generated dev split 11 category texts (646 → 635); heard by the alarm, they cut the misses on two
# fresh writers' pools p7 and p8 (docs/triage.md, release 13). p7 and p8 are the dev side of this
# choice and are never listed here; p4 stays frozen.
ALARM_POOL_SETS = (
    SERVICE_ROOT / "corpus/gen_p5_train.tsv",
    SERVICE_ROOT / "corpus/gen_p5_dev.tsv",
    SERVICE_ROOT / "corpus/gen_p6_train.tsv",
    SERVICE_ROOT / "corpus/gen_p6_dev.tsv",
)
POOL_WEIGHT = 0.3  # the category model (release 12, trained on p2 + p3: p5 category 0.833 → 0.893, owner dev same)
POOL_URGENCY_WEIGHT = 0.0  # the urgency model: none (p5 urgent recall the same as at 0.3, owner dev 3 → 2 misses)
POOL_ALARM_WEIGHT = 1.0  # the text-only alarm, where the gain is (p5 urgent recall 0.890 → 0.965)
CALIBRATION_SET = SERVICE_ROOT / "corpus/dev.tsv"
ALARM_URGENT_WEIGHT = 3.0  # class weight of urgent rows in the alarm (recall first)
MATTER_OUT_WEIGHT = 1.0  # class weight of out-of-scope rows in the matter model (13 small kinds vs in scope)
SCOPE_LEVELS = ("unit", "building", "estate")  # the scope model's labels (group stays the rules': 14 rows)
ALARM_C = 1.0  # release 13: the alarm regularised harder than the other models (p7 + p8 + r17: 60 → 52 misses)
MODEL_C = 2.0  # release 11: the generated dev split and the pooled owner dev sets, 2.0 ≥ 4.0 (release 10's)
SCOPE_C = 1.0  # release 7: owner dev sets, 1.0 ≥ 4.0 on three of four


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


def matter_label(row: dict[str, str]) -> str | None:
    """in_scope or the out-of-scope kind; None for a row of a set without a reason column (its
    in-scope rows alone would bias the matter model towards in scope)."""
    if "reason" not in row:
        return None
    if str(row.get("out_of_scope", "0")).strip() not in ("1", "true", "True"):
        return "in_scope"
    return (row.get("reason") or "").strip() or "outside_duties:unknown"


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def training_rows(paths: Sequence[Path] = TRAINING_SETS) -> list[dict[str, str]]:
    return [row for path in paths for row in read_rows(path)]


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
    c: float = MODEL_C,
    alarm_weight: float = ALARM_URGENT_WEIGHT,
    alarm_c: float = ALARM_C,
    matter_weight: float = MATTER_OUT_WEIGHT,
    pool_rows: Sequence[dict[str, str]] = (),
    pool_weight: float = POOL_WEIGHT,
    pool_urgency_weight: float = POOL_URGENCY_WEIGHT,
    pool_alarm_weight: float = POOL_ALARM_WEIGHT,
    alarm_pool_rows: Sequence[dict[str, str]] = (),
    meta: dict[str, Any] | None = None,
) -> TriageModel:
    """Fit the category, urgency, matter, alarm and scope models; the version is derived from the weights.

    The alarm sees the text only (no ``h:`` hazard-rule features) and weights urgent rows
    ``alarm_weight`` times: a model given the rules' hits learns "urgent = a rule fired" and cannot
    catch what the rules miss.

    ``pool_rows`` (``POOL_SETS``: rows composed from independent writers' hazard pools) train the
    category model at ``pool_weight``, the urgency model at ``pool_urgency_weight`` and the alarm at
    ``pool_alarm_weight``; not the matter model (they are all in scope) nor the scope model (their
    scope is their family's). ``alarm_pool_rows`` (``ALARM_POOL_SETS``) train the alarm alone, at
    ``pool_alarm_weight``; the alarm's own regularisation is ``alarm_c``."""
    featurizer.fit_vocabulary([r["text"] for r in rows])
    vectorizer = DictVectorizer()
    every = [*rows, *pool_rows]
    heard_rows = [*every, *alarm_pool_rows]
    x_all = vectorizer.fit_transform([featurizer(r["text"]) for r in heard_rows])
    x = x_all[: len(every)]
    names = list(vectorizer.get_feature_names_out())
    base_w = list(weights) if weights is not None else [1.0] * len(rows)

    def with_pools(weight: float) -> list[float]:  # the rows' weights, then the pool rows' at `weight`
        return [*base_w, *([weight] * len(pool_rows))]

    w = with_pools(pool_weight)
    category = _fit(x, [r["category"] for r in every], w, names, c)
    urgency = _fit(x, [r["urgency"] for r in every], with_pools(pool_urgency_weight), names, c)
    labelled = [i for i, r in enumerate(rows) if matter_label(r) is not None]
    matter_labels = [str(matter_label(rows[i])) for i in labelled]
    matter_w = [
        w[i] * (1.0 if m == "in_scope" else matter_weight) for i, m in zip(labelled, matter_labels, strict=True)
    ]
    matter = _fit(x[labelled], matter_labels, matter_w, names, c)
    text_only = [j for j, name in enumerate(names) if not name.startswith("h:")]
    urgent = [r["urgency"] == "urgent" for r in heard_rows]
    heard = [*with_pools(pool_alarm_weight), *([pool_alarm_weight] * len(alarm_pool_rows))]
    alarm_w = [wi * (alarm_weight if u else 1.0) for wi, u in zip(heard, urgent, strict=True)]
    alarm_names = [names[j] for j in text_only]
    alarm = _fit(x_all[:, text_only], ["1" if u else "0" for u in urgent], alarm_w, alarm_names, alarm_c)
    scoped = [i for i, r in enumerate(rows) if (r.get("scope") or "").strip() in SCOPE_LEVELS]
    scope_labels = [rows[i]["scope"].strip() for i in scoped]
    scope = (
        _fit(x[scoped], scope_labels, [w[i] for i in scoped], names, SCOPE_C) if len(set(scope_labels)) > 1 else None
    )
    parts = [m.to_dict() for m in (category, urgency, matter, alarm, scope) if m is not None]
    body = json.dumps([*parts, featurizer.vocabulary], sort_keys=True)
    stamp = datetime.now(UTC)
    version = f"lin-{stamp:%Y%m%d}-{hashlib.sha256(body.encode()).hexdigest()[:8]}"
    info = {"trained_at": stamp.isoformat(timespec="seconds"), "rows": len(rows), "C": c,
            "alarm_urgent_weight": alarm_weight, "alarm_C": alarm_c, "matter_out_weight": matter_weight,
            "pool_rows": len(pool_rows), "pool_weight": pool_weight, "pool_urgency_weight": pool_urgency_weight,
            "pool_alarm_weight": pool_alarm_weight, "alarm_pool_rows": len(alarm_pool_rows),
            **(meta or {})}  # fmt: skip
    return TriageModel(version, category, urgency, matter, dict(featurizer.vocabulary), info, alarm=alarm, scope=scope)


def calibrate(model: TriageModel, rows: Sequence[dict[str, str]], name: str) -> TriageModel:
    """Fit Platt scaling of the (non-urgent) confidence on held-out `rows` (the dev split): the
    probability that category, urgency and scope decision are all right. Stored in ``meta``."""
    raw = replace(model, meta={k: v for k, v in model.meta.items() if k != "calibration"})
    classifier = Classifier(compile_lexicon(load_default_lexicon()), raw)
    z, right = [], []
    for row in rows:
        result = classifier.classify(row["text"])
        if result.urgency == "urgent":
            continue  # an urgent item is never held: its confidence is not used for review
        p = min(max(result.confidence, 1e-4), 1 - 1e-4)
        z.append([math.log(p / (1 - p))])
        oos = str(row.get("out_of_scope", "0")).strip() == "1"
        same = result.category == row["category"] and result.urgency == row["urgency"]
        right.append(same and result.out_of_scope == oos)
    fit = LogisticRegression(C=100.0).fit(z, right)
    calibration = {"a": round(float(fit.coef_[0][0]), 4), "b": round(float(fit.intercept_[0]), 4),
                   "fitted_on": name, "rows": len(z)}  # fmt: skip
    stem, _, _ = model.version.rpartition("-")  # the version names the calibrated model
    digest = hashlib.sha256(f"{model.version}{json.dumps(calibration, sort_keys=True)}".encode()).hexdigest()
    return replace(model, version=f"{stem}-{digest[:8]}", meta={**model.meta, "calibration": calibration})


def save(model: TriageModel, path: Path) -> None:
    path.write_text(json.dumps(model.to_dict(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
