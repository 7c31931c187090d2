"""Per-channel cases shared by the unit and integration tests of the register's channel rules."""

from __future__ import annotations

from typing import Any

HOME = {"name": "张三", "building": "3", "room": "1201"}
# channel -> (a minimal valid registration's extra fields, the fields reported when they are missing)
MINIMAL: dict[str, tuple[dict[str, Any], set[str]]] = {
    "front_desk": ({"owner": {"name": "张三", "phone": "13812341234"}}, {"owner.name", "owner.phone"}),
    "phone": ({"owner": {"phone": "13812341234"}}, {"owner.phone"}),
    "letter": (
        {"owner": {"name": "张三"}, "channel_details": {"document_ref": "L-1"}},
        {"owner.name", "channel_details.document_ref"},
    ),
    "fax": ({"channel_details": {"document_ref": "F-1"}}, {"channel_details.document_ref"}),
    "email": (
        {"owner": {"email": "a@b.cn"}, "channel_details": {"document_ref": "<m@x>"}},
        {"owner.email", "channel_details.document_ref"},
    ),
    "suggestion_box": (
        {"channel_details": {"box_id": "B1", "opened_at": "2026-11-22T09:00:00+08:00"}},
        {"channel_details.box_id", "channel_details.opened_at"},
    ),
    "app": ({}, set()),
    "wechat": ({"channel_details": {"wechat_source": "official_account"}}, {"channel_details.wechat_source"}),
    "owner_group": ({"channel_details": {"group_name": "3号楼业主群"}}, {"channel_details.group_name"}),
    "owner_meeting": ({"channel_details": {"session_ref": "M-11"}}, {"channel_details.session_ref"}),
    "survey": ({"channel_details": {"session_ref": "S-2026Q4"}}, {"channel_details.session_ref"}),
    "visit": (
        {"owner": HOME, "channel_details": {"visit_purpose": "new_resident"}},
        {"owner.room", "channel_details.visit_purpose"},
    ),
    "anonymous": ({}, set()),
}
