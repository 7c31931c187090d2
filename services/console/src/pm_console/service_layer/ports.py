"""Ports of the console's handlers: accounts, sessions, password hashing, the platform's APIs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from pm_console.domain.accounts import StaffAccount
from pm_console.domain.sessions import StaffSession


class Accounts(Protocol):
    async def get(self, username: str) -> StaffAccount | None: ...
    async def add(self, account: StaffAccount) -> bool: ...  # False: the username exists
    async def record_failure(self, username: str) -> int: ...  # -> consecutive failures so far
    async def set_lock(self, username: str, locked_until: datetime | None) -> None: ...
    async def record_success(self, username: str) -> None: ...
    async def set_password(self, username: str, password_hash: str) -> None: ...


class Sessions(Protocol):
    async def put(self, key: str, session: StaffSession) -> None: ...
    async def get(self, key: str) -> StaffSession | None: ...
    async def touch(self, key: str, at: datetime) -> None: ...
    async def delete(self, key: str) -> None: ...


class Hasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
    def needs_rehash(self, password_hash: str) -> bool: ...


class PlatformError(Exception):
    """A non-2xx answer of another service, with its platform error body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body

    @property
    def error(self) -> dict[str, Any]:
        err = self.body.get("error") if isinstance(self.body, dict) else None
        return err if isinstance(err, dict) else {"code": f"http_{self.status}", "message": "", "message_en": ""}
