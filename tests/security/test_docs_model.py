"""The README's security model says which topics an external subscriber reads: it must be the code's
(``pm_common.kafka.acls.external_topics``, derived from the field classification)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pm_common.kafka.acls import external_topics
from pm_common.topics import TOPICS

pytestmark = pytest.mark.unit
README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_names_exactly_the_external_topics() -> None:
    rows = [line for line in README.read_text(encoding="utf-8").splitlines() if "| **external**" in line]
    assert len(rows) == 1, "README security section: one row of external topics"
    named = {n for n in re.findall(r"`([a-z_.]+)`", rows[0].split("|")[1]) if n in TOPICS}
    assert named == set(external_topics())
