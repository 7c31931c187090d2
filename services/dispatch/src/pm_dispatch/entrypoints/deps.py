"""FastAPI dependencies: the adapters, the acting staff member, the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from pm_common.api import Staff
from pm_common.service import runtime_of
from pm_dispatch.bootstrap import Adapters, adapters_of
from pm_dispatch.domain.access import Actor


def get_adapters(request: Request) -> Adapters:
    return adapters_of(runtime_of(request))


def get_actor(staff: Staff) -> Actor:
    return Actor(id=staff.sub, role=staff.role, estates=staff.estates)


def get_now() -> datetime:
    return datetime.now(UTC)


Deps = Annotated[Adapters, Depends(get_adapters)]
ActorDep = Annotated[Actor, Depends(get_actor)]
Now = Annotated[datetime, Depends(get_now)]
