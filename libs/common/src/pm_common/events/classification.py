"""What each field of each event payload may contain: the personal-data classification of the bus.

- ``public``   — no personal data: categories, levels, times, estates, opaque ids of complaints /
  tasks / incidents / notifications. May leave the platform (BI, 12345 bridges) as is.
- ``internal`` — about people, but pseudonymous or organisational: staff and contractor ids, a
  household's building / unit / room, fault keys, departments, evidence ids. For the platform's
  services only; an external subscriber gets it only pseudonymised.
- ``masked``   — personal data only in masked or redacted form: ``owner_phone_masked``, and every
  free text people type (complaint text, supplements, reasons, notes, answers, messages), which the
  producer passes through ``pm_common.redaction.redact`` before it goes on a topic.
- ``personal`` — personal data in clear (an owner's name, phone, e-mail, ID-card number, contact).
  **Never on a topic**: no field may be classified so, and no field may be named like one
  (``CONTACT_NAMES``); contacts are fetched point to point from intake / dispatch, audited.

Each field is classified by ``FIELDS`` (``"<event type>": {"<path>": class}``; nested models as
``a.b``) or else by the naming rules in ``RULES``. ``tests/security/test_field_classification.py``
walks every registered payload model: a field neither listed nor matched fails the suite, so a new
field needs a decision. The table per topic is in docs/security.md (``classification_table``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal, get_args, get_origin

from pydantic import BaseModel

Classification = Literal["public", "internal", "masked", "personal"]

# Names that would be a clear contact or identity: never a payload field.
CONTACT_NAMES = re.compile(
    r"(^|_)(phone|mobile|tel|telephone|email|e_mail|contact|id_card|idcard|identity_no|passport|wechat_id|"
    r"openid|address|owner_name|full_name|plate)(_|$)"
)
MASKED_SUFFIX = "_masked"

# Naming rules, first match wins (after FIELDS and the _masked suffix).
_TIMES = (
    r"(^|_)(at|start|end|deadline)$|^deadlines\.|"
    r"^(acknowledge|dispatch|onsite|resolve|plan|reply|handled|requested_resolve|new_resolve)_by$"
)
_OPAQUE_IDS = r"^(complaint_id|task_id|incident_id|notification_id|parent_task_id|reference_no|estate_id)$"
_FREE_TEXT = (
    r"(^|\.)(reason|note|note_zh|note_en|text|comment|content|summary|result_summary|message_zh|message_en|"
    r"answer_zh|answer_en|intake_answer|matter)$"
)
RULES: tuple[tuple[re.Pattern[str], Classification], ...] = (
    (re.compile(_TIMES), "public"),  # times and deadlines
    (re.compile(r"_by$"), "internal"),  # who did it: a staff id or a role
    (re.compile(_OPAQUE_IDS), "public"),
    (re.compile(_FREE_TEXT), "masked"),  # free text: redacted by the producer
    (re.compile(r"(_id|_ids)$"), "internal"),  # people, teams, contractors, evidence
)

# Explicit decisions (beside the rules), per event type.
FIELDS: dict[str, dict[str, Classification]] = {
    "complaint.received": {
        "channel": "public",
        "location.building": "internal",
        "location.unit": "internal",
        "location.room": "internal",
        "location.area": "masked",
        "urgency_reported": "public",
        "anonymous": "public",
        "resolved_at_intake": "public",
        "readback_confirmed": "public",
        "subject_staff_ids": "internal",  # staff person ids (pseudonymous), never shown to those staff
    },
    "complaint.triaged": {
        "decision": "public",
        "category": "public",
        "urgency": "public",
        "scope": "public",
        "confidence": "public",
        "evidence.feature": "public",
        "evidence.value": "masked",  # words matched in the (redacted) text
        "evidence.weight": "public",
        "rejection_reason": "public",  # a code
        "emotional": "public",
        "deadlines.warnings": "public",
        "referral": "public",  # which authority is responsible
        "review_reasons": "public",
        "duplicate_of": "public",
        "related_to": "public",
        "fault_key": "internal",
        "review.reviewed_by": "internal",
        "review.action": "public",
        "review.previous_decision": "public",
        "review.changed": "public",
        "review.original_category": "public",
        "review.original_urgency": "public",
        "review.original_scope": "public",
        "proposal.model_version": "public",
        "proposal.grade": "public",
        "proposal.grade_evidence": "public",
        "revision": "public",
    },
    "task.assigned": {
        "department": "internal",
        "category": "public",
        "urgency": "public",
        "assignee.kind": "public",
        "assignee.department": "internal",
        "assignee.name": "internal",  # a staff member's or contractor's name
        "grade": "public",
        "reassigned": "public",
    },
    "task.returned": {"reason_code": "public"},
    "task.resolved": {"handling_mode": "public", "owner_confirmation_ref": "internal"},
    "task.closed": {"outcome": "public"},
    "org.changed": {
        "version": "public",
        "timezone": "public",
        "teams.name_zh": "public",
        "teams.name_en": "public",
        "teams.department": "internal",
        "teams.kind": "public",
        "people.name": "internal",  # staff names, ids, roles, skills: organisational, no contact values
        "people.roles": "internal",
        "people.skills": "internal",
        "people.channels": "internal",
        "people.active": "internal",
        "duty_rules.role": "internal",
        "duty_rules.days": "internal",
        "overrides.role": "internal",
        "overrides.day": "internal",
        "overrides.on_duty": "internal",
        "contractors.name": "internal",
        "contractors.trades": "internal",
        "contractors.contract_days": "internal",
        "contractors.channels": "internal",
    },
    "task.cancelled": {"cancel_reason": "public"},
    "task.overdue": {
        "escalation_level": "public",
        "escalate_to": "public",
        "item": "public",  # complaint or task id the clock belongs to
        "stage": "public",
        "late_seconds": "public",
        "recipients": "internal",  # staff person ids
        "recipient_roles": "public",
        "level": "public",
        "repeat": "public",
        "caught_up_levels": "public",
    },
    "return_visit.recorded": {"outcome": "public"},
    "insight.warning": {
        "warning_id": "public",
        "rule": "public",
        "key": "internal",  # may name a building
        "observed": "public",
        "baseline": "public",
        "threshold": "public",
        "complaint_ids": "public",  # opaque complaint ids
    },
    "task.sla_warning": {"item": "public", "stage": "public", "fraction": "public", "recipients": "internal"},
    "feedback.sent": {"recipient_role": "public", "channel": "public", "template": "public"},
    "survey.answered": {"score": "public", "satisfied": "public"},
    "complaint.withdrawn": {"withdrawn_by": "public"},  # owner or staff
    "incident.declared": {
        "fault_key": "internal",
        "place": "internal",
        "category": "public",
        "threshold": "public",
        "escalate_to": "public",
    },
    "complaint.subjects_changed": {
        "complaint_id": "public",
        "estate_id": "public",
        "subject_staff_ids": "internal",  # staff person ids (pseudonymous), never shown to those staff
        "revision": "public",  # the order of the changes on one complaint
        "changed_at": "public",
    },
}


def field_paths(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Every leaf field of a payload model; nested models (also in tuples / optionals) as ``a.b``."""
    for name, info in model.model_fields.items():
        nested = _nested_model(info.annotation)
        if nested is not None:
            yield from field_paths(nested, f"{prefix}{name}.")
        else:
            yield prefix + name


def _nested_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is not None:
        for arg in get_args(annotation):
            found = _nested_model(arg)
            if found is not None:
                return found
    return None


def classify(event_type: str, path: str) -> Classification | None:
    """The class of one field, or None when nobody decided (the registry test then fails)."""
    explicit = FIELDS.get(event_type, {}).get(path)
    if explicit is not None:
        return explicit
    leaf = path.rsplit(".", 1)[-1]
    if leaf.endswith(MASKED_SUFFIX):
        return "masked"
    for pattern, classification in RULES:
        if pattern.search(leaf) or pattern.search(path):
            return classification
    return None


def classification_table(event_types: dict[str, type[BaseModel]]) -> dict[str, dict[str, Classification | None]]:
    return {t: {p: classify(t, p) for p in field_paths(m)} for t, m in event_types.items()}


def external_safe(classes: dict[str, Classification | None]) -> bool:
    """Whether an external subscriber may read the event as is: only public and masked fields."""
    return all(c in ("public", "masked") for c in classes.values())
