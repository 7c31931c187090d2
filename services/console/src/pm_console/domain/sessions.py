"""Server-side staff sessions: absolute lifetime plus idle timeout (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from pm_common.auth import Role


class StaffSession(BaseModel):
    """Stored under the SHA-256 of the cookie value (a leaked DB holds no usable session ids)."""

    model_config = ConfigDict(frozen=True)

    username: str
    display_name: str
    role: Role
    estates: tuple[str, ...]
    csrf: str
    created_at: datetime
    last_seen: datetime
    expires_at: datetime

    def can_see(self, estate_id: str) -> bool:
        return "*" in self.estates or estate_id in self.estates


@dataclass(frozen=True)
class SessionPolicy:
    lifetime: timedelta = timedelta(hours=10)  # one shift
    idle: timedelta = timedelta(minutes=30)
    touch_every: timedelta = timedelta(minutes=1)  # write last_seen at most this often

    def alive(self, session: StaffSession, now: datetime) -> bool:
        return now < session.expires_at and now - session.last_seen < self.idle

    def needs_touch(self, session: StaffSession, now: datetime) -> bool:
        return now - session.last_seen >= self.touch_every
