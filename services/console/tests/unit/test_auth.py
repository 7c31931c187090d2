"""Log-in, lock-out and sessions on in-memory fakes of the ports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pm_console.domain.accounts import LockoutPolicy, StaffAccount
from pm_console.domain.errors import AccountExists, AccountLocked, InvalidAccount, LoginFailed, NotLoggedIn
from pm_console.domain.sessions import SessionPolicy, StaffSession
from pm_console.service_layer import auth

pytestmark = pytest.mark.unit
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


class FakeHasher:
    def hash(self, password: str) -> str:
        return "h:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "h:" + password

    def needs_rehash(self, password_hash: str) -> bool:
        return False


class FakeAccounts:
    def __init__(self) -> None:
        self.rows: dict[str, StaffAccount] = {}

    async def get(self, username: str) -> StaffAccount | None:
        return self.rows.get(username)

    async def add(self, account: StaffAccount) -> bool:
        if account.username in self.rows:
            return False
        self.rows[account.username] = account
        return True

    async def record_failure(self, username: str) -> int:
        row = self.rows[username]
        self.rows[username] = row.model_copy(update={"failed_attempts": row.failed_attempts + 1})
        return row.failed_attempts + 1

    async def set_lock(self, username: str, locked_until: datetime | None) -> None:
        self.rows[username] = self.rows[username].model_copy(update={"locked_until": locked_until})

    async def record_success(self, username: str) -> None:
        self.rows[username] = self.rows[username].model_copy(update={"failed_attempts": 0, "locked_until": None})

    async def set_password(self, username: str, password_hash: str) -> None:
        self.rows[username] = self.rows[username].model_copy(update={"password_hash": password_hash})


class FakeSessions:
    def __init__(self) -> None:
        self.rows: dict[str, StaffSession] = {}

    async def put(self, key: str, session: StaffSession) -> None:
        self.rows[key] = session

    async def get(self, key: str) -> StaffSession | None:
        return self.rows.get(key)

    async def touch(self, key: str, at: datetime) -> None:
        self.rows[key] = self.rows[key].model_copy(update={"last_seen": at})

    async def delete(self, key: str) -> None:
        self.rows.pop(key, None)


POLICY = LockoutPolicy(threshold=3, base=timedelta(seconds=30), cap=timedelta(minutes=2))
SESSIONS = SessionPolicy(lifetime=timedelta(hours=8), idle=timedelta(minutes=30))


@pytest.fixture
async def world() -> tuple[FakeAccounts, FakeSessions, FakeHasher]:
    accounts, sessions, hasher = FakeAccounts(), FakeSessions(), FakeHasher()
    await auth.create_account("desk.a", "correct-horse-1", "前台", "front_desk", ["A"], accounts, hasher, T0)
    return accounts, sessions, hasher


async def _login(world, password: str, at: datetime) -> auth.Login:  # type: ignore[no-untyped-def]
    accounts, sessions, hasher = world
    return await auth.login("desk.a", password, accounts, sessions, hasher, POLICY, SESSIONS, at)


async def test_login_opens_a_session_keyed_by_the_cookie_digest(world) -> None:  # type: ignore[no-untyped-def]
    done = await _login(world, "correct-horse-1", T0)
    sessions = world[1]
    assert list(sessions.rows) == [auth.session_key(done.cookie)]
    assert done.cookie not in sessions.rows
    found = await auth.current_session(done.cookie, sessions, SESSIONS, T0 + timedelta(minutes=5))
    assert (found.role, found.estates) == ("front_desk", ("A",))
    assert len(found.csrf) >= 24


async def test_unknown_user_and_wrong_password_look_the_same(world) -> None:  # type: ignore[no-untyped-def]
    accounts, sessions, hasher = world
    with pytest.raises(LoginFailed) as unknown:
        await auth.login("nobody", "x", accounts, sessions, hasher, POLICY, SESSIONS, T0)
    with pytest.raises(LoginFailed) as wrong:
        await _login(world, "wrong", T0)
    assert (unknown.value.zh, unknown.value.en) == (wrong.value.zh, wrong.value.en)


async def test_lockout_backs_off_per_account_and_is_bounded(world) -> None:  # type: ignore[no-untyped-def]
    accounts = world[0]
    for _ in range(2):
        with pytest.raises(LoginFailed):
            await _login(world, "wrong", T0)
    assert accounts.rows["desk.a"].locked_until is None
    with pytest.raises(LoginFailed):
        await _login(world, "wrong", T0)  # 3rd failure: locked 30 s
    assert accounts.rows["desk.a"].locked_until == T0 + timedelta(seconds=30)
    with pytest.raises(AccountLocked) as locked:
        await _login(world, "correct-horse-1", T0 + timedelta(seconds=10))  # even the right password
    assert 0 < locked.value.retry_after_seconds <= 21
    assert accounts.rows["desk.a"].failed_attempts == 3  # attempts while locked are not counted
    at = T0 + timedelta(seconds=31)
    with pytest.raises(LoginFailed):
        await _login(world, "wrong", at)  # 4th: 60 s
    assert accounts.rows["desk.a"].locked_until == at + timedelta(seconds=60)
    for _ in range(6):
        at += timedelta(minutes=3)
        with pytest.raises(LoginFailed):
            await _login(world, "wrong", at)
        assert accounts.rows["desk.a"].locked_until - at <= POLICY.cap  # type: ignore[operator]
    at += timedelta(minutes=3)
    await _login(world, "correct-horse-1", at)
    assert accounts.rows["desk.a"].failed_attempts == 0 and accounts.rows["desk.a"].locked_until is None


async def test_sessions_expire_when_idle_and_at_the_end_of_their_lifetime(world) -> None:  # type: ignore[no-untyped-def]
    sessions = world[1]
    done = await _login(world, "correct-horse-1", T0)
    with pytest.raises(NotLoggedIn):
        await auth.current_session(done.cookie, sessions, SESSIONS, T0 + timedelta(minutes=31))
    assert sessions.rows == {}  # an expired session is deleted
    done = await _login(world, "correct-horse-1", T0)
    at = T0
    while at + timedelta(minutes=20) < T0 + timedelta(hours=8):
        at += timedelta(minutes=20)
        await auth.current_session(done.cookie, sessions, SESSIONS, at)  # activity keeps it alive
    with pytest.raises(NotLoggedIn):
        await auth.current_session(done.cookie, sessions, SESSIONS, T0 + timedelta(hours=8, seconds=1))


async def test_logout_ends_the_session(world) -> None:  # type: ignore[no-untyped-def]
    sessions = world[1]
    done = await _login(world, "correct-horse-1", T0)
    await auth.logout(done.cookie, sessions)
    with pytest.raises(NotLoggedIn):
        await auth.current_session(done.cookie, sessions, SESSIONS, T0)
    with pytest.raises(NotLoggedIn):
        await auth.current_session(None, sessions, SESSIONS, T0)


async def test_account_rules(world) -> None:  # type: ignore[no-untyped-def]
    accounts, _, hasher = world
    with pytest.raises(AccountExists):
        await auth.create_account("desk.a", "another-pass-1", "x", "front_desk", ["A"], accounts, hasher, T0)
    for username, password, role, estates in (
        ("Bad Name", "long-enough-1", "front_desk", ["A"]),
        ("ok.name", "short", "front_desk", ["A"]),
        ("ok.name", "long-enough-1", "integration", ["A"]),
        ("ok.name", "long-enough-1", "front_desk", []),
    ):
        with pytest.raises(InvalidAccount):
            await auth.create_account(username, password, "x", role, estates, accounts, hasher, T0)  # type: ignore[arg-type]


def test_platform_token_carries_the_session_scope() -> None:
    from pm_common.auth import verify_token

    session = StaffSession(
        username="desk.a",
        display_name="x",
        role="front_desk",
        estates=("A",),
        csrf="c" * 24,
        created_at=T0,
        last_seen=T0,
        expires_at=T0 + timedelta(hours=1),
    )
    principal = verify_token("s" * 32, auth.platform_token("s" * 32, session, 60))
    assert (principal.sub, principal.role, principal.estates) == ("desk.a", "front_desk", ("A",))
