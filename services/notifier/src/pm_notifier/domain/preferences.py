"""Owner preferences: a preferred channel and quiet hours for non-urgent messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Preferences:
    channels: tuple[str, ...] = ()  # preferred first
    quiet_start: str | None = None  # "22:00" local time
    quiet_end: str | None = None  # "08:00"

    @classmethod
    def from_doc(cls, doc: dict[str, object] | None) -> Preferences:
        if not doc:
            return cls()
        channels = doc.get("channels") or ()
        return cls(
            tuple(str(c) for c in channels) if isinstance(channels, (list, tuple)) else (),
            str(doc["quiet_start"]) if doc.get("quiet_start") else None,
            str(doc["quiet_end"]) if doc.get("quiet_end") else None,
        )


def quiet_until(prefs: Preferences, now: datetime, tz: str, urgent: bool) -> datetime | None:
    """When a non-urgent message may go out if ``now`` falls in the owner's quiet hours, else ``None``.
    Urgent messages are never held. ``22:00–08:00`` spans midnight."""
    if urgent or not prefs.quiet_start or not prefs.quiet_end:
        return None
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    start, end = time.fromisoformat(prefs.quiet_start), time.fromisoformat(prefs.quiet_end)
    t = local.time()
    if start == end:
        return None
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_day = local.date() if (start < end or t < end) else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, zone).astimezone(now.tzinfo)
