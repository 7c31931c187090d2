"""Bearer tokens carrying a role and an estate scope, signed with HMAC-SHA256.

Token format: ``base64url(json claims) "." base64url(hmac)``. Claims: ``sub`` (staff or client id),
``role``, ``estates`` (list of estate ids, or ``["*"]`` for group-wide roles), ``exp`` (unix time).
Issue one for local use with ``python -m pm_common.auth --role front_desk --estates E1``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

Role = Literal[
    "front_desk",  # 客服 / 接待员
    "supervisor",  # 客服主管
    "project_manager",  # 项目经理
    "handler",  # 承办人
    "contractor",  # 维保单位 / 施工队
    "leadership",  # 集团领导 / 品质部
    "admin",
    "integration",  # external systems (CTI, WeChat gateway, BI)
]


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    sub: str
    role: Role
    estates: tuple[str, ...]
    exp: int

    def can_see(self, estate_id: str) -> bool:
        return "*" in self.estates or estate_id in self.estates


class InvalidToken(Exception):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())


def issue_token(secret: str, sub: str, role: Role, estates: list[str], ttl_seconds: int = 12 * 3600) -> str:
    claims = Principal(sub=sub, role=role, estates=tuple(estates), exp=int(time.time()) + ttl_seconds)
    body = _b64(claims.model_dump_json().encode())
    return f"{body}.{_sign(secret, body)}"


def verify_token(secret: str, token: str, now: float | None = None) -> Principal:
    try:
        body, signature = token.split(".", 1)
    except ValueError:
        raise InvalidToken("令牌格式错误", "malformed token") from None
    if not hmac.compare_digest(signature, _sign(secret, body)):
        raise InvalidToken("令牌签名无效", "invalid token signature")
    try:
        principal = Principal.model_validate(json.loads(_unb64(body)))
    except (ValueError, ValidationError):
        raise InvalidToken("令牌内容无效", "invalid token claims") from None
    if principal.exp < (now if now is not None else time.time()):
        raise InvalidToken("令牌已过期，请重新登录", "token expired")
    return principal


def main(argv: list[str] | None = None) -> None:
    from pm_common.settings import CommonSettings

    parser = argparse.ArgumentParser(description="Issue a staff bearer token (uses PM_AUTH_SECRET).")
    parser.add_argument("--sub", default="staff-demo")
    parser.add_argument("--role", default="front_desk")
    parser.add_argument("--estates", default="*", help="comma-separated estate ids, or *")
    parser.add_argument("--ttl", type=int, default=12 * 3600)
    args = parser.parse_args(argv)
    secret = CommonSettings().auth_secret
    print(issue_token(secret, args.sub, args.role, args.estates.split(","), args.ttl))


if __name__ == "__main__":
    main()
