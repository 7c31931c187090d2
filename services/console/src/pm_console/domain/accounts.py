"""Staff accounts of the console and the lock-out rule (pure: no I/O, no hashing library)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from pm_common.auth import Role
from pm_console.domain.errors import AccountLocked, InvalidAccount

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 10


class StaffAccount(BaseModel):
    """One person who logs in. ``role`` and ``estates`` are what the platform's tokens carry."""

    model_config = ConfigDict(frozen=True)

    username: str
    display_name: str
    role: Role
    estates: tuple[str, ...] = Field(min_length=1)
    password_hash: str
    failed_attempts: int = 0
    locked_until: datetime | None = None
    disabled: bool = False
    created_at: datetime


@dataclass(frozen=True)
class LockoutPolicy:
    """After ``threshold`` consecutive failures each further failure locks the account for
    ``base`` doubled per failure beyond the threshold, capped at ``cap``. Attempts made while the
    account is locked are refused without checking the password and do not extend the lock, so
    someone guessing can delay the owner of the account by at most ``cap`` at a time."""

    threshold: int = 5
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(minutes=15)

    def lock_for(self, failed_attempts: int) -> timedelta | None:
        if failed_attempts < self.threshold:
            return None
        exponent = min(failed_attempts - self.threshold, 20)
        return min(self.base * (1 << exponent), self.cap)


def ensure_not_locked(account: StaffAccount, now: datetime) -> None:
    if account.locked_until is not None and account.locked_until > now:
        raise AccountLocked(int((account.locked_until - now).total_seconds()) + 1)


def lock_after_failure(failed_attempts: int, policy: LockoutPolicy, now: datetime) -> datetime | None:
    """``locked_until`` after the ``failed_attempts``-th consecutive failure (None: not locked)."""
    duration = policy.lock_for(failed_attempts)
    return None if duration is None else now + duration


def validate_new_account(username: str, password: str, role: str, estates: list[str]) -> None:
    if not USERNAME.match(username):
        raise InvalidAccount(
            "用户名须为 2–40 位小写字母、数字或 . _ -", "username: 2-40 lower-case letters, digits or . _ -"
        )
    if len(password) < MIN_PASSWORD:
        raise InvalidAccount(f"密码至少 {MIN_PASSWORD} 位", f"password must have at least {MIN_PASSWORD} characters")
    if role == "integration":
        raise InvalidAccount("对接系统不使用控制台账号", "integrations do not get console accounts")
    if not estates or any(not e.strip() for e in estates):
        raise InvalidAccount("请至少指定一个项目（或 * 表示全集团）", "give at least one estate (or * for group-wide)")
