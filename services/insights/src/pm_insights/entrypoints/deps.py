"""FastAPI dependencies of insights: its adapters and settings, built once in bootstrap."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from pm_common.service import runtime_of
from pm_insights.bootstrap import Adapters, adapters_of
from pm_insights.config import InsightsSettings


def get_adapters(request: Request) -> Adapters:
    return adapters_of(runtime_of(request))


def get_settings(request: Request) -> InsightsSettings:
    settings: InsightsSettings = request.app.state.settings
    return settings


Deps = Annotated[Adapters, Depends(get_adapters)]
Settings = Annotated[InsightsSettings, Depends(get_settings)]
