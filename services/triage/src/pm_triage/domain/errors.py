"""Domain errors of triage. Each carries a Chinese and an English message for people;
``entrypoints/errors.py`` is the one place that maps them to HTTP status codes."""

from __future__ import annotations


class TriageError(Exception):
    code = "triage_error"

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


class NotFound(TriageError):
    code = "not_found"


class Conflict(TriageError):
    code = "conflict"


class Invalid(TriageError):
    code = "invalid"


class TriageNotFound(NotFound):
    def __init__(self, complaint_id: str) -> None:
        super().__init__("未找到该分类记录", f"triage record {complaint_id} not found")


class IncidentNotFound(NotFound):
    def __init__(self, incident_id: str) -> None:
        super().__init__("未找到该群诉事件", f"group incident {incident_id} not found")


class NotAwaitingReview(Conflict):
    code = "not_awaiting_review"

    def __init__(self, complaint_id: str, decision: str) -> None:
        super().__init__(
            f"该事项当前无需主管复核（状态：{decision}）",
            f"complaint {complaint_id} is not awaiting review ({decision})",
        )


class AlreadyReviewed(Conflict):
    code = "already_reviewed"

    def __init__(self, complaint_id: str) -> None:
        super().__init__("该事项已由主管复核", f"complaint {complaint_id} was already reviewed")


class IncidentClosed(Conflict):
    code = "incident_closed"

    def __init__(self, incident_id: str) -> None:
        super().__init__("该群诉事件已办结或已撤销", f"group incident {incident_id} is already resolved or dismissed")


class InvalidReview(Invalid):
    code = "invalid_review"


class InvalidLexicon(Invalid):
    code = "invalid_lexicon"

    def __init__(self, detail: str, detail_zh: str | None = None) -> None:
        super().__init__(f"词库配置无效：{detail_zh or detail}", f"invalid lexicon overlay: {detail}")
