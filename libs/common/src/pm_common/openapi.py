"""The platform's OpenAPI conventions: the bearer security scheme and the documented error answers.

``document_errors(app)`` (called by a service's ``create_app``) adds to every ``/v1`` and
``/internal`` operation the error statuses it can answer, each with the shared error body
(``{"error": {"code", "message", "message_en", "fields"?}}``, schema ``ErrorBody``), and replaces
FastAPI's ``{"detail"}`` 422 schema by it:

- 401 and 403 where the operation is authenticated (a security requirement: staff bearer token or
  API key; owners' operations too), 404 where the path has parameters, 422 where there are
  parameters or a body, 400 and 413 where there is a body, 409 and 429 on writes, 503 everywhere
  (the database is unreachable: retry).

The staff bearer scheme itself comes from ``pm_common.api.current_staff`` (``HTTPBearer``), so every
route that needs a staff token declares it; ``/metrics`` is declared ``text/plain``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field


class FieldError(BaseModel):
    model_config = ConfigDict(extra="allow")

    field: str
    reason: str = Field(description="简体中文")
    reason_en: str


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str = Field(description="machine-readable, e.g. forbidden, not_found, validation_failed")
    message: str = Field(description="简体中文")
    message_en: str
    fields: list[FieldError] | None = Field(None, description="per-field reasons (422)")


class ErrorBody(BaseModel):
    """Every error answer of the platform."""

    error: ErrorDetail


DESCRIPTIONS = {
    "400": "请求体无法解析 / unparsable body",
    "401": "未登录或令牌无效 / missing or invalid credentials",
    "403": "无权执行 / not allowed for this role or estate",
    "404": "不存在或不可见 / not found (or not visible to the caller)",
    "409": "状态冲突 / conflict with the current state",
    "413": "请求体过大 / body too large",
    "422": "输入有误 / invalid input (per-field reasons)",
    "429": "请求过于频繁 / rate limited (Retry-After)",
    "503": "暂时不可用 / temporarily unavailable (Retry-After)",
}
_WRITES = {"post", "put", "patch", "delete"}
_REF = {"$ref": "#/components/schemas/ErrorBody"}


def _codes(path: str, method: str, op: dict[str, Any], authenticated: bool) -> list[str]:
    codes = ["503"]
    if authenticated:
        codes += ["401", "403"]
    if "{" in path:
        codes.append("404")
    if op.get("parameters") or "requestBody" in op:
        codes.append("422")
    if "requestBody" in op:
        codes += ["400", "413"]
    if method in _WRITES:
        codes += ["409", "429"]
    return codes


Foreign = dict[str, tuple[tuple[str, ...], dict[str, Any]]]


def document_errors(
    app: FastAPI,
    *,
    owner_prefixes: tuple[str, ...] = (),
    foreign: Foreign | None = None,
    prefixes: tuple[str, ...] = ("/v1", "/internal"),
) -> None:
    """Extend ``app.openapi()`` as described in the module docstring (idempotent, computed once).

    ``foreign``: path prefix -> (statuses, JSON schema) of operations that answer errors in another
    standard's format (e.g. Open311's ``[{"code", "description"}]``); their 422 stays the platform's.
    ``prefixes``: the paths documented so (the console's JSON calls live under ``/api`` and ``/h5/api``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (ErrorBody, ErrorDetail, FieldError):
            components[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components[model.__name__].pop("$defs", None)
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        for path, ops in schema.get("paths", {}).items():
            if path == "/metrics":
                ops["get"]["responses"]["200"]["content"] = {"text/plain": {"schema": {"type": "string"}}}
            for prefix, (statuses, body) in (foreign or {}).items():
                if path.startswith(prefix):
                    _document_foreign(ops, statuses, body)
            if not path.startswith(prefixes):
                continue
            for method, op in ops.items():
                authenticated = bool(op.get("security")) or path.startswith(owner_prefixes)
                responses = op.setdefault("responses", {})
                codes = _codes(path, method, op, authenticated)
                if path.startswith(owner_prefixes):
                    codes.append("429")  # owners' requests are rate limited per owner
                for code in dict.fromkeys(codes):
                    _set_schema(responses.setdefault(code, {"description": DESCRIPTIONS[code]}), _REF)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_foreign(ops: dict[str, Any], codes: tuple[str, ...], body: dict[str, Any]) -> None:
    for op in ops.values():
        responses = op.setdefault("responses", {})
        for code in codes:
            _set_schema(responses.setdefault(code, {"description": DESCRIPTIONS.get(code, code)}), body)
        if "422" in responses:
            _set_schema(responses["422"], _REF)


def _set_schema(answer: dict[str, Any], schema: dict[str, Any]) -> None:
    """The JSON schema of a documented answer; an example already given stays."""
    answer.setdefault("content", {}).setdefault("application/json", {})["schema"] = schema
