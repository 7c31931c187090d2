"""One table from the notifier's domain errors to HTTP answers (bilingual bodies)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pm_common.api import error_body
from pm_notifier.domain.followup import AlreadyRecorded, FollowupNotFound, InvalidScore
from pm_notifier.domain.links import BadLink
from pm_notifier.domain.paging import NotPaged, PageNotFound

ERRORS: dict[type[Exception], tuple[int, str, str, str]] = {
    PageNotFound: (404, "not_found", "未找到该呼叫", "page not found"),
    NotPaged: (403, "not_paged", "您不在本次呼叫的人员中，无法确认", "you were not paged for this item"),
    FollowupNotFound: (404, "not_found", "该投诉尚无回访记录", "no follow-up for this complaint"),
    AlreadyRecorded: (409, "already_recorded", "本轮回访结果已记录", "this round's outcome is already recorded"),
    InvalidScore: (422, "invalid_score", "评分应为 1–5", "score must be 1–5"),
    BadLink: (404, "link_invalid", "链接无效或已过期", "link invalid or expired"),
}


def install_notifier_errors(app: FastAPI) -> None:
    for exc_type, (status, code, zh, en) in ERRORS.items():

        async def handler(
            _: Request, __: Exception, s: int = status, c: str = code, z: str = zh, e: str = en
        ) -> JSONResponse:
            return JSONResponse(error_body(c, z, e), status_code=s)

        app.add_exception_handler(exc_type, handler)
