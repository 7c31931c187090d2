"""训练分诊线性模型 / Train the linear triage model on the corpus's train split.

Trains ONLY on ``pm_triage.training.TRAINING_SETS``, ``POOL_SETS`` (rows composed from extra
hazard pools by independent writers: the alarm hears them in full, the category model at
``POOL_WEIGHT``) and ``ALARM_POOL_SETS`` (more such rows, heard by the alarm alone): the corpus's train split
(``services/triage/corpus/train.tsv``, see tools/gen_triage_corpus.py) and the older train set
(``services/triage/data/triage_train.tsv``). Dev and the older fresh/sample sets are for
development; the test split and the frozen hold-out set are run once per release by
tools/eval_triage.py and writes ``pm_triage/domain/classification/triage_model.json`` with a new
version string. Supervisors' overrides are folded in by the retraining command instead
(``python -m pm_triage.entrypoints.retrain``), which refuses a model that lowers urgent recall.

Usage::

    .venv/bin/python tools/train_triage.py [--train PATH ...] [--pools PATH ...] [--alarm-pools PATH ...]
        [--pool-weight 0.3] [--out PATH]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services/triage/src"))

from pm_triage.training import (  # noqa: E402
    ALARM_C,
    ALARM_POOL_SETS,
    ALARM_URGENT_WEIGHT,
    CALIBRATION_SET,
    MATTER_OUT_WEIGHT,
    MODEL_C,
    POOL_SETS,
    POOL_WEIGHT,
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
    parser.add_argument("--pools", type=Path, nargs="*", default=list(POOL_SETS), help="extra hazard pool rows")
    parser.add_argument(
        "--alarm-pools", type=Path, nargs="*", default=list(ALARM_POOL_SETS), help="heard by the alarm alone"
    )
    parser.add_argument("--alarm-c", type=float, default=ALARM_C, help="the alarm's inverse L2 regularisation strength")
    parser.add_argument("--pool-weight", type=float, default=POOL_WEIGHT, help="category model weight")
    args = parser.parse_args()
    rows = training_rows(args.train)
    pools = training_rows(args.pools)
    alarm_pools = training_rows(args.alarm_pools)
    started = time.perf_counter()
    meta = {"trained_on": [p.name for p in args.train], "pools": [p.name for p in args.pools],
            "alarm_pools": [p.name for p in args.alarm_pools]}  # fmt: skip
    model = train(
        rows,
        Featurizer.default(),
        c=args.c,
        alarm_weight=args.alarm_weight,
        alarm_c=args.alarm_c,
        matter_weight=args.matter_weight,
        pool_rows=pools,
        pool_weight=args.pool_weight,
        alarm_pool_rows=alarm_pools,
        meta=meta,
    )
    model = calibrate(model, read_rows(CALIBRATION_SET), CALIBRATION_SET.name)
    save(model, args.out)
    size = args.out.stat().st_size // 1024
    print(f"calibration (Platt, on {CALIBRATION_SET.name}): {model.meta['calibration']}")
    took = time.perf_counter() - started
    heard = f"{len(rows)} rows, {len(pools)} pool rows and {len(alarm_pools)} alarm-only pool rows"
    print(f"model {model.version}: {heard}, {took:.0f} s → {args.out} ({size} KiB)")


if __name__ == "__main__":
    main()
