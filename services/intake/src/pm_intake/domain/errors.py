"""Domain errors. Each carries a code and a Chinese and English message; the HTTP status is chosen
in one place (``entrypoints/errors.py``), never here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    field: str
    reason: str  # 中文
    reason_en: str


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


class UnknownEstate(DomainError):
    code = "unknown_estate"

    def __init__(self, estate_id: str) -> None:
        super().__init__(f"项目（小区）{estate_id} 不存在", f"unknown estate {estate_id}")
        self.estate_id = estate_id


class InvalidRegistration(DomainError):
    """Fields missing or not allowed for the channel (field-level reasons)."""

    code = "validation_failed"

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("提交的内容有误，请检查标出的字段", "request validation failed")
        self.problems = problems


class InvalidQuery(DomainError):
    """Query parameters out of range (field-level reasons)."""

    code = "validation_failed"

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("查询参数有误，请检查标出的字段", "invalid query parameters")
        self.problems = problems


class AttachmentTooLarge(DomainError):
    code = "attachment_too_large"

    def __init__(self, field: str, size: int, limit: int) -> None:
        super().__init__(
            f"附件过大（{size} 字节，上限 {limit} 字节）", f"attachment too large ({size} > {limit} bytes)"
        )
        self.field = field
        self.limit = limit


class NotFound(DomainError):
    code = "not_found"

    def __init__(self) -> None:
        super().__init__("未找到该记录", "complaint not found")


class KeyNotFound(NotFound):
    def __init__(self) -> None:
        DomainError.__init__(self, "未找到该接入密钥或已停用", "key not found or already revoked")


class InvalidState(DomainError):
    """The item is not in a state that allows this action (e.g. withdrawing a closed item)."""

    code = "invalid_state"

    def __init__(self, status: str, action_zh: str, action_en: str) -> None:
        super().__init__(f"当前状态（{status}）不能{action_zh}", f"cannot {action_en} in status {status}")
        self.status = status


class IdempotencyConflict(DomainError):
    code = "idempotency_conflict"

    def __init__(self) -> None:
        super().__init__(
            "该幂等键已用于内容不同的另一次提交", "this idempotency key was already used for a different submission"
        )


class NotPermitted(DomainError):
    code = "forbidden"


class NoIdentityStored(DomainError):
    code = "no_identity"

    def __init__(self) -> None:
        super().__init__("该登记为匿名或未留身份信息，无可查看内容", "no identity is stored for this item")


class OwnerAuthFailed(DomainError):
    code = "owner_auth_failed"


class InvalidCursor(DomainError):
    """A ledger cursor that is malformed or was issued for other filters."""

    code = "invalid_cursor"
