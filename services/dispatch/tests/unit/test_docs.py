"""docs/dispatch.md shows the transition table the code enforces."""

from __future__ import annotations

from pathlib import Path

import pytest

from pm_dispatch.domain import lifecycle as lc

pytestmark = pytest.mark.unit
DOC = Path(__file__).resolve().parents[4] / "docs" / "dispatch.md"


def test_the_documented_table_is_the_enforced_one() -> None:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`") and cells[0].strip("`") in lc.TRANSITIONS:
            rows[cells[0].strip("`")] = (frozenset(cells[2].split(", ")), cells[3])
    assert set(rows) == set(lc.TRANSITIONS)
    for action, (sources, target, _) in lc.TRANSITIONS.items():
        assert rows[action] == (sources, target or "(unchanged)"), action
