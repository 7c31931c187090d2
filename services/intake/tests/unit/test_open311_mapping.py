"""Open311 GeoReport v2 form fields onto the register, and the public / keyed request views."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pm_intake.domain import open311
from pm_intake.domain.errors import InvalidRegistration

pytestmark = pytest.mark.unit


def test_form_maps_onto_a_registration() -> None:
    form = {
        "service_code": "engineering",
        "description": "3号楼楼道灯不亮",
        "attribute[building]": "3",
        "attribute[urgency]": "general",
        "last_name": "张",
        "first_name": "三",
        "phone": "13812341234",
        "address_string": "3号楼大堂",
        "media_url": "https://img.example/1.jpg",
    }
    reg = open311.registration_from_form(form, "SUNNY")
    assert (reg.channel, reg.estate_id, reg.content) == ("open311", "SUNNY", "3号楼楼道灯不亮")
    assert reg.owner is not None and reg.owner.name == "张三" and reg.location.building == "3"
    assert reg.location.area == "3号楼大堂" and reg.urgency_reported == "general"
    assert reg.evidence[0].ref == "https://img.example/1.jpg" and reg.matter == open311.SERVICES["engineering"][0]


def test_bad_forms_name_the_open311_field() -> None:
    with pytest.raises(InvalidRegistration) as unknown:
        open311.registration_from_form({"service_code": "nope", "description": "x" * 5}, "SUNNY")
    assert unknown.value.problems[0].field == "service_code"
    with pytest.raises(InvalidRegistration) as empty:
        open311.registration_from_form({"service_code": "other", "description": ""}, "SUNNY")
    assert empty.value.problems[0].field == "description"


def test_public_view_has_no_content_nor_place() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    doc = {
        "_id": "c1",
        "estate_id": "SUNNY",
        "status": "in_progress",
        "received_at": now,
        "reference_no": "R",
        "registration": {
            "content": "漏水",
            "matter": open311.SERVICES["engineering"][0],
            "location": {"building": "3"},
        },
        "timeline": [{"at": now, "kind": "internal", "note": "内部", "visibility": "internal"}],
    }
    public = open311.request_view(doc, full=False)
    assert public["description"] is None and public["address"] is None and public["status"] == "open"
    assert public["service_code"] == "engineering" and public["status_notes"] is None
    full = open311.request_view({**doc, "status": "done"}, full=True)
    assert full["description"] == "漏水" and full["address"] == "3" and full["status"] == "closed"
    assert open311.service_definition("nope") is None and len(open311.service_list()) == len(open311.SERVICES)
