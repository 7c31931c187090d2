"""FastAPI dependencies of the notifier: its ports and clock, built once in bootstrap."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from pm_common.service import runtime_of
from pm_notifier.bootstrap import Clock, clock_of, ports_of
from pm_notifier.service_layer.context import NotifierPorts


def get_ports(request: Request) -> NotifierPorts:
    return ports_of(runtime_of(request))


def get_clock(request: Request) -> Clock:
    return clock_of(runtime_of(request))


Ports = Annotated[NotifierPorts, Depends(get_ports)]
Now = Annotated[Clock, Depends(get_clock)]
