"""Domain errors of dispatch. Each carries a code and a Chinese and English message; the HTTP status
is chosen in one place (``entrypoints/errors.py``), never here."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


class TaskNotFound(DomainError):
    code = "not_found"

    def __init__(self, task_id: str = "") -> None:
        super().__init__("未找到该任务单", f"task {task_id} not found".replace("  ", " "))


class IllegalTransition(DomainError):
    """The task's status does not allow this action (the transition table says no)."""

    code = "illegal_transition"

    def __init__(self, status: str, action: str, zh: str, en: str) -> None:
        super().__init__(zh, en)
        self.status = status
        self.action = action


class RuleViolated(DomainError):
    """A business rule refuses the action in this state (e.g. check-in required before resolving)."""

    code = "rule_violated"

    def __init__(self, rule: str, zh: str, en: str) -> None:
        super().__init__(zh, en)
        self.rule = rule


class NotPermitted(DomainError):
    code = "forbidden"


class ConcurrentChange(DomainError):
    code = "concurrent_change"

    def __init__(self) -> None:
        super().__init__("任务单正在被他人修改，请刷新后重试", "the task kept changing; reload and retry")


class ContactUnavailable(DomainError):
    """Intake (which keeps owners' personal data) did not answer: nothing was revealed; retry."""

    code = "contact_unavailable"

    def __init__(self) -> None:
        super().__init__("暂时无法获取业主联系方式，请稍后重试", "the owner's contact is unavailable right now; retry")


@dataclass(frozen=True)
class FieldProblem:
    field: str
    reason: str
    reason_en: str


class InvalidInput(DomainError):
    code = "validation_failed"

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("提交的内容有误，请检查标出的字段", "request validation failed")
        self.problems = problems


class InvalidCursor(DomainError):
    code = "invalid_cursor"

    def __init__(self) -> None:
        super().__init__("分页游标无效或与筛选条件不符", "the cursor is malformed or was issued for other filters")
