"""训练分诊线性模型 / Train the linear triage model on the corpus's train split.

Trains ONLY on ``services/triage/corpus/train.tsv`` (see tools/gen_triage_corpus.py; dev and the
older labelled sets are for development, the test split is run once per release by
tools/eval_triage.py) and writes ``pm_triage/domain/classification/triage_model.json`` with a new
version string. Supervisors' overrides are folded in by the retraining command instead
(``python -m pm_triage.entrypoints.retrain``), which refuses a model that lowers urgent recall.

Usage::

    .venv/bin/python tools/train_triage.py [--train PATH] [--out PATH] [--c 4.0]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services/triage/src"))

from pm_triage.training import Featurizer, read_rows, save, train  # noqa: E402

DEFAULT_TRAIN = ROOT / "services/triage/corpus/train.tsv"
DEFAULT_OUT = ROOT / "services/triage/src/pm_triage/domain/classification/triage_model.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=DEFAULT_TRAIN)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--c", type=float, default=4.0, help="inverse L2 regularisation strength")
    args = parser.parse_args()
    rows = read_rows(args.train)
    started = time.perf_counter()
    model = train(rows, Featurizer.default(), c=args.c, meta={"trained_on": args.train.name})
    save(model, args.out)
    size = args.out.stat().st_size // 1024
    print(f"model {model.version}: {len(rows)} rows, {time.perf_counter() - started:.0f} s → {args.out} ({size} KiB)")


if __name__ == "__main__":
    main()
