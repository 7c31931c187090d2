"""Release 12: rows composed from independent writers' hazard pools (``POOL_SETS``) train the
text-only alarm at ``pool_alarm_weight`` and the category model at ``pool_weight``; the urgency
model only at ``pool_urgency_weight`` (0 by default), never the matter model (they say nothing
about what is out of scope) nor the scope model (a pool row's scope is its family's)."""

from __future__ import annotations

import pytest

from pm_triage.training import SERVICE_ROOT, Featurizer, read_rows, train

pytestmark = pytest.mark.unit


def _pool_row(text: str) -> dict[str, str]:
    return {"category": "engineering", "urgency": "urgent", "out_of_scope": "0", "scope": "building",
            "reason": "", "text": text}  # fmt: skip


@pytest.mark.parametrize("urgency_weight", [0.0, 0.5])
def test_pool_rows_reach_the_alarm_and_category_only(urgency_weight: float) -> None:
    base = read_rows(SERVICE_ROOT / "corpus/train.tsv")[::6]
    pools = [_pool_row(f"{n}号楼楼道的囧囧箱一直嗞嗞冒蓝光") for n in range(1, 9)]
    model = train(
        base, Featurizer.default(), pool_rows=pools, pool_weight=0.5, pool_alarm_weight=1.0,
        pool_urgency_weight=urgency_weight,
    )  # fmt: skip
    mark = "c:囧囧"  # a bigram no training text has: whatever weight it gets comes from the pools
    assert model.alarm is not None and model.alarm.weights[mark][1] > 0  # heard as urgent
    assert model.category.weights[mark][model.category.labels.index("engineering")] > 0
    if urgency_weight:
        assert model.urgency.weights[mark][model.urgency.labels.index("urgent")] > 0
    else:
        assert mark not in model.urgency.weights
    assert mark not in model.matter.weights
    assert model.scope is not None and mark not in model.scope.weights
    assert model.meta["pool_rows"] == len(pools) and model.meta["pool_weight"] == 0.5


def test_without_pool_rows_the_mark_is_unknown() -> None:
    base = read_rows(SERVICE_ROOT / "corpus/train.tsv")[::6]
    model = train(base, Featurizer.default())
    assert model.alarm is not None and "c:囧囧" not in model.alarm.weights
    assert model.meta["pool_rows"] == 0


def test_alarm_pool_rows_reach_the_alarm_alone() -> None:
    """Release 13: ``ALARM_POOL_SETS`` are heard by the alarm at ``pool_alarm_weight`` and by no other
    model; the alarm is fitted at its own ``alarm_c``."""
    base = read_rows(SERVICE_ROOT / "corpus/train.tsv")[::6]
    pools = [_pool_row(f"{n}号楼楼道的囧囧箱一直嗞嗞冒蓝光") for n in range(1, 9)]
    model = train(base, Featurizer.default(), alarm_pool_rows=pools, alarm_c=0.7)
    mark = "c:囧囧"
    assert model.alarm is not None and model.alarm.weights[mark][1] > 0
    for part in (model.category, model.urgency, model.matter, model.scope):
        assert part is not None and mark not in part.weights
    assert model.meta["alarm_pool_rows"] == len(pools) and model.meta["pool_rows"] == 0
    assert model.meta["alarm_C"] == 0.7
