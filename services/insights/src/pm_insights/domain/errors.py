"""Domain errors of insights; ``entrypoints/errors.py`` maps each to its HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


class InvalidPeriod(DomainError):
    code = "bad_period"


class EstateForbidden(DomainError):
    code = "estate_forbidden"

    def __init__(self) -> None:
        super().__init__("无权访问该项目（小区）的数据", "no access to this estate")


class NotFound(DomainError):
    code = "not_found"
