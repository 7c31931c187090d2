"""Which department handles which nature, the task's deadline, and the task ids."""

from __future__ import annotations

from datetime import datetime, timedelta

DEPARTMENT_BY_CATEGORY = {
    "engineering": "engineering",  # 工程部
    "cleaning_greening": "cleaning_greening",  # 环境部（清洁绿化）
    "security_order": "security",  # 秩序部（安保）
    "customer_service": "customer_service",  # 客服部
    "fees_finance": "finance",  # 财务部
    "community_culture": "customer_service",
    "other": "customer_service",
}


def department_for(category: str) -> str:
    return DEPARTMENT_BY_CATEGORY.get(category, "customer_service")


def task_deadline(
    resolve_by: datetime, onsite_by: datetime | None, now: datetime, cap_seconds: float | None
) -> datetime:
    """The task is due at the first stage deadline it owns (on site for urgent, else resolution)."""
    due = onsite_by or resolve_by
    if cap_seconds is not None:
        due = min(due, now + timedelta(seconds=cap_seconds))
    return due


def task_id_for(complaint_id: str) -> str:
    """The main task of a complaint: the id is derived from the complaint id (idempotent creation)."""
    return f"T-{complaint_id}"


def subtask_id(complaint_id: str, n: int) -> str:
    return f"T-{complaint_id}-{n}"


def incident_task_id(incident_id: str) -> str:
    return f"T-{incident_id}"
