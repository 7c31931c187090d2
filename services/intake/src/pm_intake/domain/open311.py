"""Open311 GeoReport v2 mapped onto the register: service list and definitions, the form-encoded
POST as a ``Registration``, and the request view. Jurisdiction = estate id; service = category."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from pm_intake.domain.errors import FieldProblem, InvalidRegistration
from pm_intake.domain.lifecycle import owner_visible
from pm_intake.domain.model import Registration

SERVICES: dict[str, tuple[str, str, str]] = {  # code -> (name, description, keywords)
    "engineering": (
        "工程维修 Engineering repair",
        "漏水、停电、电梯、门禁等设施故障 / leaks, power, lifts",
        "漏水,停电,电梯",
    ),
    "cleaning_greening": (
        "清洁绿化 Cleaning & greening",
        "垃圾、卫生、绿化养护 / rubbish, hygiene, greenery",
        "垃圾,卫生,绿化",
    ),
    "security_order": (
        "安保秩序 Security & order",
        "门岗、巡逻、停车、噪音 / guards, patrols, parking",
        "保安,停车,噪音",
    ),
    "customer_service": (
        "客户服务 Customer service",
        "服务态度、办事效率 / staff attitude, responsiveness",
        "态度,服务",
    ),
    "fees_finance": ("财务收费 Fees & finance", "物业费、停车费、发票 / fees, invoices", "物业费,收费"),
    "community_culture": ("社区文化 Community culture", "社区活动、公告 / community activities", "活动,社区"),
    "other": ("其他 Other", "其他意见与建议 / other opinions and suggestions", "建议,其他"),
}
_ATTRIBUTES = (("building", "楼栋 / building"), ("unit", "单元 / unit"), ("room", "房号 / room"))
_URGENCY = (
    {"key": "urgent", "name": "紧急 urgent"},
    {"key": "general", "name": "一般 general"},
    {"key": "suggestion", "name": "建议 suggestion"},
)
_CLOSED = frozenset({"done", "closed", "withdrawn", "rejected"})


def service_list() -> list[dict[str, Any]]:
    return [
        {
            "service_code": code,
            "service_name": name,
            "description": desc,
            "metadata": True,
            "type": "realtime",
            "keywords": keywords,
            "group": "物业服务 property services",
        }
        for code, (name, desc, keywords) in SERVICES.items()
    ]


def service_definition(code: str) -> dict[str, Any] | None:
    if code not in SERVICES:
        return None
    attributes: list[dict[str, Any]] = [
        {
            "variable": True,
            "code": attr,
            "datatype": "string",
            "required": False,
            "datatype_description": label,
            "order": i,
            "description": label,
        }
        for i, (attr, label) in enumerate(_ATTRIBUTES, start=1)
    ]
    attributes.append(
        {
            "variable": True,
            "code": "urgency",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "紧急程度 / urgency",
            "order": len(attributes) + 1,
            "description": "业主自报的紧急程度 / urgency as reported",
            "values": list(_URGENCY),
        }
    )
    return {"service_code": code, "attributes": attributes}


def registration_from_form(form: dict[str, str], estate_id: str) -> Registration:
    """The form fields of ``POST requests.json`` as one register entry on the ``open311`` channel."""
    code = form.get("service_code", "")
    if code not in SERVICES:
        raise InvalidRegistration([FieldProblem("service_code", "未知的服务类型", "unknown service_code")])
    attrs = {k[len("attribute[") : -1]: v for k, v in form.items() if k.startswith("attribute[") and k.endswith("]")}
    name = (form.get("last_name", "") + form.get("first_name", "")).strip() or None
    owner = {k: v for k, v in (("name", name), ("phone", form.get("phone")), ("email", form.get("email"))) if v}
    geo = f"{form['lat']},{form['long']}" if form.get("lat") and form.get("long") else None
    location = {k: attrs[k] for k in ("building", "unit", "room") if attrs.get(k)}
    area = form.get("address_string") or geo
    if area:
        location["area"] = area
    data: dict[str, Any] = {
        "estate_id": estate_id,
        "channel": "open311",
        "content": form.get("description", ""),
        "matter": SERVICES[code][0],
        "location": location,
        "owner": owner or None,
        "urgency_reported": attrs.get("urgency") or None,
    }
    if form.get("media_url"):
        data["evidence"] = [{"kind": "photo", "ref": form["media_url"], "content_type": "image/*", "size_bytes": 0}]
    try:
        return Registration.model_validate(data)
    except ValidationError as exc:
        raise InvalidRegistration(
            [FieldProblem(_form_field(err["loc"]), "取值无效或缺失", str(err["msg"])) for err in exc.errors()]
        ) from None


def _form_field(loc: tuple[Any, ...]) -> str:
    names = {
        "content": "description",
        "owner": "first_name/last_name/phone/email",
        "urgency_reported": "attribute[urgency]",
    }
    head = str(loc[0]) if loc else "request"
    return names.get(head, ".".join(str(p) for p in loc))


def service_code_of(doc: dict[str, Any]) -> str:
    matter = (doc.get("registration") or {}).get("matter")
    triage = doc.get("triage") or {}
    for code, (name, _, _) in SERVICES.items():
        if name == matter:
            return code
    return str(triage.get("category") or "other")


def request_view(doc: dict[str, Any], *, full: bool, updated: datetime | None = None) -> dict[str, Any]:
    """One service request. Without an API key (``full=False``) no content and no place are shown."""
    reg = doc.get("registration") or {}
    notes = [t for t in doc.get("timeline", []) if owner_visible(t)]
    code = service_code_of(doc)
    location = reg.get("location") or {}
    return {
        "service_request_id": doc["_id"],
        "reference_no": doc.get("reference_no"),
        "status": "closed" if doc["status"] in _CLOSED else "open",
        "status_notes": notes[-1]["note"] if notes else None,
        "service_code": code,
        "service_name": SERVICES.get(code, SERVICES["other"])[0],
        "description": reg.get("content") if full else None,
        "agency_responsible": doc["estate_id"],
        "service_notice": None,
        "requested_datetime": _w3(doc.get("received_at")),
        "updated_datetime": _w3(updated or (notes[-1]["at"] if notes else doc.get("received_at"))),
        "expected_datetime": _w3(doc.get("next_contact_by")),
        "address": " ".join(str(v) for v in location.values() if v) or None if full else None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _w3(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None
