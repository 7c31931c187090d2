"""docs/security.md's per-topic table is the one the code gives (``python -m pm_common.events.topic_table``)."""

from __future__ import annotations

from pathlib import Path

from pm_common.events.topic_table import HEADER, rows

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def test_the_documented_topic_table_is_the_codes() -> None:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2  # the header and its rule
    documented = []
    for line in lines[start:]:
        if not line.startswith("| `"):
            break
        documented.append(line)
    assert documented == rows(), "regenerate it: .venv/bin/python -m pm_common.events.topic_table"
