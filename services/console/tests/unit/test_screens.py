"""Pure rules behind the screens: permissions, per-channel form, ledger filters, local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import get_args

import pytest

from pm_common.auth import Role
from pm_common.events.payloads import Channel
from pm_console.domain import ledger
from pm_console.domain.channels import BY_CHANNEL, readback_text
from pm_console.domain.errors import NotPermitted
from pm_console.domain.estates import EstateDirectory
from pm_console.domain.sessions import StaffSession
from pm_console.entrypoints.permissions import PERMISSIONS, permit
from pm_console.entrypoints.routes_auth import _safe_next

pytestmark = pytest.mark.unit
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def session(role: Role) -> StaffSession:
    return StaffSession(
        username="u",
        display_name="u",
        role=role,
        estates=("A",),
        csrf="c" * 24,
        created_at=T0,
        last_seen=T0,
        expires_at=T0 + timedelta(hours=1),
    )


def test_permission_table() -> None:
    assert set(PERMISSIONS) >= {"desk.register", "desk.classify", "ledger.read", "ledger.export", "item.read"}
    permit(session("front_desk"), "desk.register")
    permit(session("leadership"), "ledger.read")
    for role in ("handler", "leadership", "admin", "contractor"):
        with pytest.raises(NotPermitted):
            permit(session(role), "desk.register")
    assert all("integration" not in roles for roles in PERMISSIONS.values())
    assert set().union(*PERMISSIONS.values()) <= set(get_args(Role))


def test_every_staff_channel_of_intake_has_a_form() -> None:
    assert set(get_args(Channel)) - {"open311"} == set(BY_CHANNEL)
    assert BY_CHANNEL["phone"].oral and not BY_CHANNEL["letter"].oral
    assert not BY_CHANNEL["anonymous"].identity


def test_readback_text() -> None:
    assert (
        readback_text("电梯坏了", "3号楼", "电梯故障", "zh")
        == "跟您复述一下：地点 3号楼，涉及电梯故障，您反映的是：电梯坏了。请问是否准确？"
    )
    assert "lift broken" in readback_text("lift broken", "", None, "en")


def test_ledger_dates_are_the_estates_local_days() -> None:
    query = ledger.intake_query({"date_from": "2026-12-01", "date_to": "2026-12-01", "q": "漏水"}, "Asia/Shanghai")
    assert query == {"q": "漏水", "date_from": "2026-12-01T00:00:00+08:00", "date_to": "2026-12-02T00:00:00+08:00"}
    assert ledger.intake_query({"date_from": "junk"}, "Asia/Shanghai") == {}
    assert ledger.clean_filters({"status": "received", "estate_id": " ", "evil": "x"}) == {"status": "received"}
    assert ledger.status_colour("in_progress") == "orange" and ledger.status_label("closed", "en") == "Closed"


def test_local_time_and_scope() -> None:
    estates = EstateDirectory()
    assert estates.local_time("2026-12-01T16:30:00Z", "SUNNY") == "2026-12-02 00:30"
    assert estates.local_time(None, "SUNNY") == ""
    assert [e.id for e in estates.visible(("JADE",))] == ["JADE"]
    assert {e.id for e in estates.visible(("*",))} == {"SUNNY", "JADE", "JINXIU"}


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/ledger?x=1", "/ledger?x=1"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        (None, "/"),
        ("/\\evil", "/"),
    ],
)
def test_no_open_redirect_after_login(target: str | None, expected: str) -> None:
    assert _safe_next(target) == expected


def test_export_cells_never_become_formulas() -> None:
    assert ledger.spreadsheet_safe('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert ledger.spreadsheet_safe("-1") == "'-1" and ledger.spreadsheet_safe("电梯坏了") == "电梯坏了"
    assert ledger.spreadsheet_safe(None) == ""
