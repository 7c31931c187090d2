"""The repository contract against the in-memory fake."""

from __future__ import annotations

import pytest
from dispatch_fakes import FakeRepo
from repo_contract import SUITE

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("case", SUITE, ids=[c.__name__ for c in SUITE])
async def test_contract(case) -> None:  # type: ignore[no-untyped-def]
    repo = FakeRepo()

    async def events(task_id: str) -> list[str]:
        return [e.type for e in repo.events if e.subject == task_id]

    await case(repo, events)
