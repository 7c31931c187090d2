"""训练分诊线性模型 / Train the linear triage model on the corpus's train split.

Trains ONLY on ``pm_triage.training.TRAINING_SETS``: the corpus's train split
(``services/triage/corpus/train.tsv``, see tools/gen_triage_corpus.py) and the older train set
(``services/triage/data/triage_train.tsv``). Dev and the older fresh/sample sets are for
development; the test split and the frozen hold-out set are run once per release by
tools/eval_triage.py and writes ``pm_triage/domain/classification/triage_model.json`` with a new
version string. Supervisors' overrides are folded in by the retraining command instead
(``python -m pm_triage.entrypoints.retrain``), which refuses a model that lowers urgent recall.

Usage::

    .venv/bin/python tools/train_triage.py [--train PATH ...] [--out PATH] [--c 2.0] [--alarm-weight 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services/triage/src"))

from pm_triage.training import (  # noqa: E402
    ALARM_URGENT_WEIGHT,
    CALIBRATION_SET,
    MATTER_OUT_WEIGHT,
    MODEL_C,
    TRAINING_SETS,
    Featurizer,
    calibrate,
    read_rows,
    save,
    train,
    training_rows,
)

DEFAULT_OUT = ROOT / "services/triage/src/pm_triage/domain/classification/triage_model.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, nargs="+", default=list(TRAINING_SETS))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--c", type=float, default=MODEL_C, help="inverse L2 regularisation strength")
    parser.add_argument("--alarm-weight", type=float, default=ALARM_URGENT_WEIGHT, help="urgent class weight")
    parser.add_argument("--matter-weight", type=float, default=MATTER_OUT_WEIGHT, help="out-of-scope class weight")
    args = parser.parse_args()
    rows = training_rows(args.train)
    started = time.perf_counter()
    meta = {"trained_on": [p.name for p in args.train]}
    model = train(
        rows,
        Featurizer.default(),
        c=args.c,
        alarm_weight=args.alarm_weight,
        matter_weight=args.matter_weight,
        meta=meta,
    )
    model = calibrate(model, read_rows(CALIBRATION_SET), CALIBRATION_SET.name)
    save(model, args.out)
    size = args.out.stat().st_size // 1024
    print(f"calibration (Platt, on {CALIBRATION_SET.name}): {model.meta['calibration']}")
    print(f"model {model.version}: {len(rows)} rows, {time.perf_counter() - started:.0f} s → {args.out} ({size} KiB)")


if __name__ == "__main__":
    main()
