"""The sets run once per release are frozen and never trained on: the corpus's test split and the
hand-written hold-out set (corpus/holdout.tsv) keep their sha256, and none of their texts is in a
training set."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pm_triage.evaluation import FROZEN
from pm_triage.training import ALARM_POOL_SETS, POOL_SETS, SERVICE_ROOT, TRAINING_SETS, read_rows

pytestmark = pytest.mark.unit
CORPUS = SERVICE_ROOT / "corpus"


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_frozen_set_is_unchanged(name: str) -> None:
    path = CORPUS / f"{name}.tsv"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == FROZEN[name], f"{path} was edited"


def test_holdout_covers_the_hard_classes_and_is_labelled() -> None:
    rows = read_rows(CORPUS / "holdout.tsv")
    assert len(rows) >= 400
    urgencies = {r["urgency"] for r in rows}
    assert urgencies == {"urgent", "general", "suggestion"}
    assert sum(r["urgency"] == "urgent" for r in rows) >= 150
    assert sum(r["out_of_scope"] == "1" for r in rows) >= 40
    assert {r["grade"] for r in rows} >= {"major", "important", "minor"}


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_no_frozen_text_is_trained_on(name: str) -> None:
    frozen = {r["text"] for r in read_rows(CORPUS / f"{name}.tsv")}
    trained: set[str] = {
        r["text"] for path in (*TRAINING_SETS, *POOL_SETS, *ALARM_POOL_SETS) for r in read_rows(Path(path))
    }
    assert not frozen & trained
