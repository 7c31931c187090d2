"""Read → decide → versioned save, retried when another writer (replica, consumer) got there first."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import TypeVar

from pm_common.events import Envelope
from pm_dispatch.domain.errors import ConcurrentChange, TaskNotFound
from pm_dispatch.domain.task import Task
from pm_dispatch.service_layer.ports import TaskRepository

T = TypeVar("T")
ATTEMPTS = 30


async def change(
    repo: TaskRepository,
    task_id: str,
    decide: Callable[[Task], T],
    *,
    cause: Envelope | None = None,
    create: Callable[[], Task] | None = None,
) -> tuple[Task, T | None]:
    """Apply ``decide`` to the current task and save it with the events it emitted.

    ``decide`` raises a domain error to refuse; when it changes nothing (no events, status and
    version untouched and it returned a falsy value) nothing is written. ``create`` builds the task
    when it does not exist yet (consumers of order-independent events); without it a missing task
    is ``TaskNotFound``. A consumed event (``cause``) is recorded on the task: a redelivery of it
    is a no-op (``decide`` is not called again)."""
    for attempt in range(ATTEMPTS):
        if attempt:
            await asyncio.sleep(random.uniform(0, 0.002 * attempt))  # let the other writer finish
        task = await repo.get(task_id)
        fresh = task is None
        if task is None:
            if create is None:
                raise TaskNotFound(task_id)
            task = create()
        if cause is not None and task.seen(cause.id):
            return task, None
        before = task.model_dump(exclude={"pending", "processed"})
        result = decide(task)
        changed = bool(task.pending) or task.model_dump(exclude={"pending", "processed"}) != before
        if cause is not None:
            task.mark_processed(cause.id)
            changed = True
        if not changed and not fresh:
            return task, result
        if (await repo.add(task, cause)) if fresh else (await repo.save(task, cause)):
            return task, result
    raise ConcurrentChange()
