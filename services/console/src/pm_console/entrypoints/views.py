"""Server-rendered pages: one Jinja2 environment (autoescaped), the text of the chosen language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from pm_console.domain import ledger, tasks
from pm_console.domain.channels import CHANNELS, channel_label
from pm_console.entrypoints import i18n_tasks
from pm_console.entrypoints.i18n import lang_of, translator

HERE = Path(__file__).parent


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]), auto_reload=False
    )
    env.globals.update(
        channels=CHANNELS,
        channel_label=channel_label,
        statuses=ledger.STATUSES,
        categories=ledger.CATEGORIES,
        urgencies=ledger.URGENCIES,
        grades=ledger.GRADES,
        decisions=ledger.DECISIONS,
        incident_statuses=ledger.INCIDENT_STATUSES,
        incident_colour=lambda status: ledger.INCIDENT_COLOURS.get(status, "grey"),
        plan_statuses=ledger.PLAN_STATUSES,
        review_reasons=ledger.REVIEW_REASONS,
        status_label=ledger.status_label,
        status_colour=ledger.status_colour,
        label=ledger.label,
        timeline_kinds=ledger.TIMELINE,
        task_actions=tasks.available,
        task_status_label=tasks.task_status_label,
        task_status_colour=tasks.task_status_colour,
        task_choices=tasks.CHOICES,
        task_fields=tasks.FIELDS,
        pending_extension=tasks.pending_extension,
        stages=i18n_tasks.STAGES,
        clock_states=i18n_tasks.CLOCK_STATES,
        log_actions=i18n_tasks.LOG_ACTIONS,
        message_templates=i18n_tasks.TEMPLATES,
        done_label=done_label,
    )
    return env


def done_label(notice: str, lang: str) -> str:
    """What the notice after an action says: the action's name in the page's language."""
    action = tasks.BY_NAME.get(notice)
    if action is not None:
        return action.label(lang)
    return ledger.label(i18n_tasks.DONE, notice, lang)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    switched = request.url.include_query_params(lang="zh" if lang == "en" else "en")
    context["switch_href"] = f"{switched.path}?{switched.query}"
    page = (
        environment()
        .get_template(template)
        .render(request=request, lang=lang, t=translator(lang), path=request.url.path, **context)
    )
    response = HTMLResponse(page, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
    )
    response.headers["Referrer-Policy"] = "same-origin"
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie("lang", request.query_params["lang"], max_age=365 * 86400, samesite="lax")
    return response
