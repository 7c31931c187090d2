"""Fixtures: the local sink, the contact directory and the running notifier, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from notifier_rig import SECRET, Rig, running_notifier

from pm_common.testing.fixtures import Engines
from pm_notifier.localsink.directory import Directory, running_directory
from pm_notifier.localsink.runner import RunningSink, running_sink


@pytest.fixture
async def sink() -> AsyncIterator[RunningSink]:
    async with running_sink() as s:
        yield s


@pytest.fixture
async def directory() -> AsyncIterator[Directory]:
    async with running_directory(SECRET) as d:
        yield d


@pytest.fixture
async def rig(engines: Engines, topic_prefix: str, sink: RunningSink, directory: Directory) -> AsyncIterator[Rig]:
    async with running_notifier(engines, topic_prefix, sink, directory.url) as r:
        yield r
