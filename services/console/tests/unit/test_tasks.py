"""The item page's task actions (pure): which buttons a role gets from a status, and the bodies sent
to dispatch's task API."""

from __future__ import annotations

import pytest

from pm_console.domain import tasks
from pm_console.entrypoints.permissions import PERMISSIONS


def names(role: str, status: str) -> set[str]:
    return {a.name for a in tasks.available(role, status)}  # type: ignore[arg-type]


def test_a_handler_accepts_checks_in_and_resolves_but_never_closes() -> None:
    assert names("handler", "assigned") == {"accept", "return", "note", "extension"}
    assert {"check_in", "start", "resolve", "pause"} <= names("handler", "accepted")
    assert names("handler", "paused") == {"resume", "note", "extension"}
    assert not {"close", "reopen", "assign", "verify"} & names("handler", "resolved")


def test_customer_service_verifies_and_managers_close_and_reopen() -> None:
    assert names("front_desk", "resolved") == {"verify"}
    assert {"verify", "close", "reopen"} <= names("supervisor", "resolved")
    assert names("supervisor", "closed") == {"reopen"}
    assert names("leadership", "assigned") == set()  # leadership reads


def test_every_action_has_a_console_permission_with_the_same_roles() -> None:
    for action in tasks.ACTIONS:
        assert PERMISSIONS[f"task.{action.name}"] == action.roles, action.name


def test_assign_names_a_person_or_lets_dispatch_route() -> None:
    assign = tasks.BY_NAME["assign"]
    body = tasks.body_for(assign, {"person_id": " eng.sunny ", "department": "engineering", "reason": "指派"}, "UTC")
    assert body == {
        "reason": "指派",
        "assignee": {"kind": "person", "department": "engineering", "person_id": "eng.sunny"},
    }
    assert tasks.body_for(assign, {"reason": "重新派单"}, "UTC") == {"reason": "重新派单"}


def test_an_extension_date_is_the_estate_wall_clock() -> None:
    body = tasks.body_for(
        tasks.BY_NAME["extension"], {"reason": "等配件", "new_resolve_by": "2026-12-05T18:00"}, "Asia/Shanghai"
    )
    assert body == {"reason": "等配件", "new_resolve_by": "2026-12-05T18:00:00+08:00"}
    with pytest.raises(tasks.FormInvalid):
        tasks.body_for(tasks.BY_NAME["extension"], {"reason": "x"}, "Asia/Shanghai")
    with pytest.raises(tasks.FormInvalid):
        tasks.body_for(tasks.BY_NAME["extension"], {"reason": "x", "new_resolve_by": "tomorrow"}, "Asia/Shanghai")


def test_bodies_leave_out_empty_optional_fields() -> None:
    resolve = tasks.body_for(
        tasks.BY_NAME["resolve"],
        {"handling_mode": "rectification", "result_summary": "已更换", "owner_confirmation_ref": ""},
        "UTC",
    )
    assert resolve == {"handling_mode": "rectification", "result_summary": "已更换", "owner_confirmation_ref": None}
    assert tasks.body_for(tasks.BY_NAME["accept"], {}, "UTC") is None
    assert tasks.body_for(tasks.BY_NAME["check_in"], {}, "UTC") == {"evidence_ids": []}
    assert tasks.body_for(tasks.BY_NAME["note"], {"note_kind": "progress", "text": "已到场"}, "UTC") == {
        "kind": "progress",
        "text_zh": "已到场",
    }


def test_pending_extension_and_submitted_plan() -> None:
    task = {
        "extensions": [{"n": 1, "status": "rejected"}, {"n": 2, "status": "requested"}],
        "plan": {"status": "submitted"},
    }
    assert tasks.pending_extension(task) == {"n": 2, "status": "requested"}
    assert tasks.plan_waiting(task)
    assert tasks.pending_extension({}) is None and not tasks.plan_waiting({"plan": {"status": "approved"}})


def test_a_plan_is_submitted_by_the_worker_and_its_rows_are_the_estate_wall_clock() -> None:
    assert "plan" in names("handler", "accepted") and "plan" not in names("handler", "assigned")
    plan = tasks.BY_NAME["plan"]
    body = tasks.body_for(
        plan,
        {
            "step_1": "排查渗水点",
            "owner_1": "eng.sunny",
            "due_1": "2026-12-03T18:00",
            "step_2": " 更换防水层 ",
            "owner_2": "contractor-a",
            "due_2": "2026-12-08T18:00",
            "step_3": "",
        },
        "Asia/Shanghai",
    )
    assert body == {
        "steps": [
            {"description": "排查渗水点", "owner": "eng.sunny", "due": "2026-12-03T18:00:00+08:00"},
            {"description": "更换防水层", "owner": "contractor-a", "due": "2026-12-08T18:00:00+08:00"},
        ]
    }
    with pytest.raises(tasks.FormInvalid):
        tasks.body_for(plan, {"step_1": "", "owner_1": "x", "due_1": "2026-12-03T18:00"}, "UTC")
    with pytest.raises(tasks.FormInvalid):  # a row needs its owner and due time
        tasks.body_for(plan, {"step_1": "排查", "owner_1": "eng.sunny"}, "UTC")


def test_a_sub_task_is_added_by_a_manager_on_the_main_task_only() -> None:
    assert "subtask" in names("supervisor", "accepted") and "subtask" not in names("handler", "accepted")
    assert "subtask" not in {a.name for a in tasks.available("supervisor", "accepted", "sub")}
    assert "subtask" not in names("supervisor", "resolved")
    sub = tasks.BY_NAME["subtask"]
    assert tasks.body_for(sub, {"sub_department": "cleaning_greening", "requirements": " 清理地面 "}, "UTC") == {
        "category": "cleaning_greening",
        "requirements": "清理地面",
    }
    assert tasks.body_for(sub, {"sub_department": "security_order", "sub_person_id": "sec.li"}, "UTC") == {
        "category": "security_order",
        "requirements": None,
        "assignee": {"kind": "person", "department": "security_order", "person_id": "sec.li"},
    }
