"""Errors of the organisation side, each with its message in Simplified Chinese and English.

``entrypoints/routes_org_errors.py`` maps them to HTTP status codes (one table)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    reason: str
    reason_en: str


class OrgError(Exception):
    code = "org_error"

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


class InvalidOrganisation(OrgError):
    code = "invalid_organisation"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("组织架构配置有误，请检查标出的字段", "the organisation is inconsistent")
        self.problems = problems


class OrganisationNotFound(OrgError):
    code = "not_found"

    def __init__(self, estate_id: str) -> None:
        super().__init__(f"项目 {estate_id} 尚未配置组织架构", f"no organisation configured for estate {estate_id}")


class ItemNotFound(OrgError):
    code = "not_found"

    def __init__(self, kind_zh: str, kind_en: str, item_id: str) -> None:
        super().__init__(f"未找到{kind_zh}：{item_id}", f"{kind_en} {item_id} not found")


class VersionMismatch(OrgError):
    code = "version_conflict"

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(
            f"组织架构已被他人修改（当前版本 {current}，提交基于 {expected}），请刷新后重试",
            f"the organisation changed meanwhile (now version {current}, you edited {expected}); reload and retry",
        )
        self.current = current


class EstateNotVisible(OrgError):
    code = "estate_forbidden"

    def __init__(self) -> None:
        super().__init__("无权访问该项目（小区）的数据", "no access to this estate")
