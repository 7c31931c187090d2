"""The one table from organisation errors to HTTP status codes and the bilingual error body."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from pm_common.api import ApiError
from pm_dispatch.domain import organisation_errors as e
from pm_dispatch.service_layer.organisation import Busy

STATUS: dict[type[e.OrgError], int] = {
    e.InvalidOrganisation: 422,
    e.OrganisationNotFound: 404,
    e.ItemNotFound: 404,
    e.VersionMismatch: 409,
    e.EstateNotVisible: 403,
    Busy: 409,
}


def api_error(exc: e.OrgError) -> ApiError:
    extra: dict[str, Any] = {}
    if isinstance(exc, e.InvalidOrganisation):
        extra["fields"] = [{"field": p.field, "reason": p.reason, "reason_en": p.reason_en} for p in exc.problems]
    if isinstance(exc, e.VersionMismatch):
        extra["current_version"] = exc.current
    return ApiError(STATUS.get(type(exc), 400), exc.code, exc.zh, exc.en, **extra)


def _invalid(exc: ValidationError) -> e.InvalidOrganisation:
    problems = []
    for err in exc.errors():
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        zh, _, en = message.partition(" / ") if " / " in message else ("取值无效", "", message)
        problems.append(e.Problem(".".join(str(p) for p in err.get("loc", ())), zh, en))
    return e.InvalidOrganisation(problems)


@contextmanager
def org_errors() -> Iterator[None]:
    """Turn organisation errors raised by a handler into the platform's HTTP errors."""
    try:
        yield
    except ValidationError as exc:  # a combination only the whole organisation can refuse
        raise api_error(_invalid(exc)) from None
    except e.OrgError as exc:
        raise api_error(exc) from None
