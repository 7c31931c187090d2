"""Request-scoped access to the wired triage objects (who may do what: ``permissions.py``)."""

from __future__ import annotations

from fastapi import Request

from pm_common.service import runtime_of
from pm_triage.bootstrap import Triage


def triage_of(request: Request) -> Triage:
    triage: Triage = runtime_of(request).state["triage"]
    return triage
