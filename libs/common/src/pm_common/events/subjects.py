"""``complaint.subjects_changed``: a later change of the staff a complaint is about (被投诉人).

``complaint.received`` v3 carries the subjects named at registration; they count as revision 0.
Every later change at intake (``PUT /v1/complaints/{id}/subjects``) is written with this event in
the same single-document update, with the complaint's next ``revision`` (1, 2, …). A consumer keeps,
per complaint, the subjects of the highest revision it has seen: a redelivered or overtaken older
revision changes nothing, and a change that arrives before the complaint is kept and applied when
the item appears. No reason text and no personal data: the reason stays in intake's audit log.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from pm_common.subjects import MAX_SUBJECTS


class ComplaintSubjectsChanged(BaseModel):
    """complaint.subjects_changed v1: the complaint's subjects after one change (the whole list)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    complaint_id: str
    estate_id: str
    subject_staff_ids: tuple[str, ...] = Field((), max_length=MAX_SUBJECTS)  # empty: nobody any more
    revision: int = Field(ge=1)  # per complaint, monotonic; complaint.received's subjects are revision 0
    changed_at: datetime
