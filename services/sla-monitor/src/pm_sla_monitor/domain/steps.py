"""The steps of a clock: warnings before the deadline, the breach, the escalation ladder, reminders.

Step ``i`` of a clock with ``n`` warning fractions: ``i < n`` is the warning at fraction ``i`` (it fires
when that share of the stage's time is used, counted back from the deadline, so a pause moves it
too); ``i >= n`` is ladder level ``i - n + 1`` (1 = the breach, at the deadline); past the ladder's
last step, reminders repeat every ``repeat_hours``. Offsets run in the clock's basis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pm_common.calendar import HolidayCalendar
from pm_common.sla import EscalationLadder, SlaPolicy
from pm_sla_monitor.domain.clocks import Clock

MAX_CATCH_UP = 500  # steps looked ahead when catching up after downtime


@dataclass(frozen=True, slots=True)
class Step:
    index: int
    at: datetime
    fraction: float | None = None  # a warning
    level: int = 0  # ladder level (1 = breach); 0 for a warning
    repeat: int = 0  # n-th reminder after the last ladder step
    roles: tuple[str, ...] = ()

    @property
    def is_warning(self) -> bool:
        return self.fraction is not None

    def key(self, clock: Clock) -> str:
        """Unique per item × stage × generation × level: the claim that makes it fire once."""
        tail = f"w{round(self.fraction * 100)}" if self.fraction is not None else f"L{self.level}r{self.repeat}"
        return f"{clock.key}|{clock.generation}|{tail}"


@dataclass(frozen=True, slots=True)
class Firing:
    """One step to emit: its unique key and its event, serialised once (``Envelope`` JSON)."""

    key: str
    topic: str
    event_id: str
    subject: str
    value: str


class StepPlan:
    """Computes steps of clocks under one policy; ``fixed_step`` (tests, demos) replaces the ladder's
    offsets with equal steps in clock time."""

    def __init__(self, policy: SlaPolicy, calendar: HolidayCalendar, fixed_step: timedelta | None = None) -> None:
        self.policy = policy
        self.calendar = calendar
        self.fixed_step = fixed_step
        self.fractions = tuple(policy.warning_fractions)
        self._ladders: dict[str, EscalationLadder] = {}

    def ladder(self, clock: Clock) -> EscalationLadder:
        found = self._ladders.get(clock.ladder)
        if found is None:
            found = self._ladders[clock.ladder] = self.policy.ladder(clock.ladder)
        return found

    def step(self, clock: Clock, index: int) -> Step:
        fractions = self.fractions
        if index < len(fractions):
            fraction = fractions[index]
            at = clock.shifted(clock.budget * (1 - fraction), self.calendar)
            return Step(index, max(at, clock.started_at), fraction=fraction, roles=("assignee",))
        level = index - len(fractions) + 1
        ladder = self.ladder(clock)
        top = len(ladder.steps)
        repeat = max(level - top, 0)
        rung = ladder.steps[min(level, top) - 1]
        if self.fixed_step is not None:
            return Step(
                index,
                clock.due_at + self.fixed_step * (level - 1),
                level=min(level, top),
                repeat=repeat,
                roles=rung.notify,
            )
        hours = rung.after_hours + repeat * ladder.repeat_hours
        return Step(
            index,
            clock.after_due(timedelta(hours=hours), self.calendar),
            level=min(level, top),
            repeat=repeat,
            roles=rung.notify,
        )

    def due_step(self, clock: Clock, index: int, now: datetime) -> tuple[Step, list[int]]:
        """The latest step at or after ``index`` that is due at ``now`` (catching up after downtime:
        only the latest is sent), and the ladder levels folded into it."""
        step, folded, _ = self.due_and_next(clock, index, now)
        return step, folded

    def due_and_next(self, clock: Clock, index: int, now: datetime) -> tuple[Step, list[int], Step]:
        """``due_step`` and the step after it (the clock's next fire time), computed once. Steps are in
        time order, so once the breach is due the warnings before it (never sent then) are skipped."""
        breach = len(self.fractions)
        step = self.step(clock, breach) if index < breach and clock.due_at <= now else None
        if step is None or step.at > now:
            step = self.step(clock, index)
        folded: list[int] = []
        following = self.step(clock, step.index + 1)
        for _ in range(MAX_CATCH_UP):
            if following.at > now:
                break
            if not step.is_warning and step.repeat == 0:
                folded.append(step.level)
            step = following
            following = self.step(clock, step.index + 1)
        return step, folded, following
