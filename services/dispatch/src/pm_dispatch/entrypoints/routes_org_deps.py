"""FastAPI dependencies of the organisation routes: the ports bootstrap built, and the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from pm_common.service import runtime_of
from pm_dispatch.service_layer.organisation import OrgPorts


def get_org_ports(request: Request) -> OrgPorts:
    ports: OrgPorts = runtime_of(request).state["org"]
    return ports


def get_now() -> datetime:
    return datetime.now(UTC)


Ports = Annotated[OrgPorts, Depends(get_org_ports)]
Now = Annotated[datetime, Depends(get_now)]
