"""The escalation ladder as data (DOMAIN §5): who is told at the breach and after, per urgency / grade.

Offsets count from the deadline: in working time (hours on working days of the statutory calendar)
for stages measured in working days, in clock hours for around-the-clock stages. After the last
step the ladder repeats its last step's recipients every ``repeat_hours`` until the clock stops.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Recipient = Literal["assignee", "supervisor", "project_manager", "quality"]
LEGACY_LABEL: dict[str, str] = {  # the four role labels of task.overdue v1's ``escalate_to``
    "assignee": "handler",
    "supervisor": "supervisor",
    "project_manager": "project_manager",
    "quality": "company",
}


class LadderStep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    after_hours: float = Field(ge=0, le=24 * 60, description="hours after the deadline (working or clock)")
    notify: tuple[Recipient, ...] = Field(min_length=1)


class EscalationLadder(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    steps: tuple[LadderStep, ...] = Field(min_length=1, max_length=8)
    repeat_hours: float = Field(8.0, gt=0, le=24 * 30, description="reminders after the last step, until stopped")

    def label(self, level: int) -> str:
        """The v1 role label of a level: the breach reminds the handler; later levels are named by
        their most senior recipient."""
        if level <= 1:
            return "handler"
        order = ("assignee", "supervisor", "project_manager", "quality")
        step = self.steps[min(level, len(self.steps)) - 1]
        return LEGACY_LABEL[max(step.notify, key=order.index)]


def _ladder(*steps: tuple[float, tuple[Recipient, ...]], repeat: float) -> EscalationLadder:
    return EscalationLadder(steps=tuple(LadderStep(after_hours=a, notify=n) for a, n in steps), repeat_hours=repeat)


def default_ladders() -> dict[str, EscalationLadder]:
    """Ladders by key: ``urgent`` (clock hours), ``general`` (working hours), ``major`` (A-class and group
    incidents: the project manager is told at the breach, DOMAIN §2 and §9)."""
    return {
        "general": _ladder(
            (0, ("assignee",)),
            (4, ("assignee", "supervisor")),
            (8, ("supervisor", "project_manager")),
            (16, ("project_manager", "quality")),
            repeat=8,
        ),
        "urgent": _ladder(
            (0, ("assignee", "supervisor")),
            (1, ("supervisor", "project_manager")),
            (2, ("project_manager", "quality")),
            (4, ("project_manager", "quality")),
            repeat=2,
        ),
        "major": _ladder(
            (0, ("assignee", "supervisor", "project_manager")),
            (2, ("project_manager", "quality")),
            (4, ("project_manager", "quality")),
            (8, ("project_manager", "quality")),
            repeat=4,
        ),
    }
