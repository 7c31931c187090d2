"""Log-in, log-out, session lookup and account creation."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from pm_common.auth import Role, issue_token
from pm_console.domain.accounts import (
    LockoutPolicy,
    StaffAccount,
    ensure_not_locked,
    lock_after_failure,
    validate_new_account,
)
from pm_console.domain.errors import AccountExists, LoginFailed, NotLoggedIn
from pm_console.domain.sessions import SessionPolicy, StaffSession
from pm_console.service_layer.ports import Accounts, Hasher, Sessions

# verified against when the username is unknown, so both cases cost one verification
_DUMMY_PASSWORD = "not-a-real-password-" + "x" * 12
_dummy_hashes: dict[int, str] = {}


def _dummy_hash(hasher: Hasher) -> str:
    key = id(hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash(_DUMMY_PASSWORD)
    return _dummy_hashes[key]


@dataclass(frozen=True)
class Login:
    cookie: str  # the session id given to the browser (only its SHA-256 is stored)
    session: StaffSession


def session_key(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


async def login(
    username: str,
    password: str,
    accounts: Accounts,
    sessions: Sessions,
    hasher: Hasher,
    lockout: LockoutPolicy,
    policy: SessionPolicy,
    now: datetime,
) -> Login:
    account = await accounts.get(username.strip().lower())
    if account is None:
        hasher.verify(_dummy_hash(hasher), password)
        raise LoginFailed()
    ensure_not_locked(account, now)
    if account.disabled or not hasher.verify(account.password_hash, password):
        failures = await accounts.record_failure(account.username)
        locked_until = lock_after_failure(failures, lockout, now)
        if locked_until is not None:
            await accounts.set_lock(account.username, locked_until)
        raise LoginFailed()
    await accounts.record_success(account.username)
    if hasher.needs_rehash(account.password_hash):
        await accounts.set_password(account.username, hasher.hash(password))
    cookie = secrets.token_urlsafe(32)
    session = StaffSession(
        username=account.username,
        display_name=account.display_name,
        role=account.role,
        estates=account.estates,
        csrf=secrets.token_urlsafe(24),
        created_at=now,
        last_seen=now,
        expires_at=now + policy.lifetime,
    )
    await sessions.put(session_key(cookie), session)
    return Login(cookie, session)


async def current_session(cookie: str | None, sessions: Sessions, policy: SessionPolicy, now: datetime) -> StaffSession:
    if not cookie:
        raise NotLoggedIn()
    key = session_key(cookie)
    session = await sessions.get(key)
    if session is None:
        raise NotLoggedIn()
    if not policy.alive(session, now):
        await sessions.delete(key)
        raise NotLoggedIn()
    if policy.needs_touch(session, now):
        await sessions.touch(key, now)
    return session


async def logout(cookie: str | None, sessions: Sessions) -> None:
    if cookie:
        await sessions.delete(session_key(cookie))


def platform_token(secret: str, session: StaffSession, ttl_seconds: int) -> str:
    """A short-lived bearer token of the session's role and estates for calls to the other services."""
    return issue_token(secret, session.username, session.role, list(session.estates), ttl_seconds=ttl_seconds)


async def create_account(
    username: str,
    password: str,
    display_name: str,
    role: Role,
    estates: list[str],
    accounts: Accounts,
    hasher: Hasher,
    now: datetime,
) -> StaffAccount:
    validate_new_account(username, password, role, estates)
    account = StaffAccount(
        username=username,
        display_name=display_name or username,
        role=role,
        estates=tuple(e.strip() for e in estates),
        password_hash=hasher.hash(password),
        created_at=now,
    )
    if not await accounts.add(account):
        raise AccountExists(username)
    return account
