"""Accounts and sessions on the real document DB (argon2id hashes), and the plans of their reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pm_common.mongo import Mongo
from pm_console.adapters.hasher import Argon2Hasher
from pm_console.adapters.store import ACCOUNTS, SESSIONS, MongoAccounts, MongoSessions
from pm_console.domain.accounts import LockoutPolicy
from pm_console.domain.errors import AccountLocked, LoginFailed, NotLoggedIn
from pm_console.domain.sessions import SessionPolicy
from pm_console.service_layer import auth, demo

pytestmark = pytest.mark.integration
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
LOCKOUT = LockoutPolicy(threshold=2, base=timedelta(seconds=30), cap=timedelta(minutes=5))
SESSIONS_POLICY = SessionPolicy()


async def test_login_lockout_and_sessions_on_the_real_db(mongo: Mongo) -> None:
    accounts, sessions, hasher = MongoAccounts(mongo), MongoSessions(mongo), Argon2Hasher()
    created = await demo.seed_demo_accounts(accounts, hasher, T0)
    assert "desk.sunny" in created and await demo.seed_demo_accounts(accounts, hasher, T0) == []
    stored = await mongo.db[ACCOUNTS].find_one({"_id": "desk.sunny"})
    assert stored["password_hash"].startswith("$argon2id$") and "desk-demo-2026" not in str(stored)

    async def attempt(password: str, at: datetime) -> auth.Login:
        return await auth.login("desk.sunny", password, accounts, sessions, hasher, LOCKOUT, SESSIONS_POLICY, at)

    for _ in range(2):
        with pytest.raises(LoginFailed):
            await attempt("wrong", T0)
    with pytest.raises(AccountLocked):
        await attempt("desk-demo-2026", T0 + timedelta(seconds=5))
    done = await attempt("desk-demo-2026", T0 + timedelta(seconds=31))
    account = await accounts.get("desk.sunny")
    assert account is not None and account.failed_attempts == 0 and account.locked_until is None

    found = await auth.current_session(done.cookie, sessions, SESSIONS_POLICY, T0 + timedelta(minutes=5))
    assert (found.username, found.role, found.estates) == ("desk.sunny", "front_desk", ("SUNNY",))
    assert await mongo.db[SESSIONS].find_one({"_id": done.cookie}) is None  # only the digest is stored
    await auth.logout(done.cookie, sessions)
    with pytest.raises(NotLoggedIn):
        await auth.current_session(done.cookie, sessions, SESSIONS_POLICY, T0 + timedelta(minutes=6))

    await attempt("desk-demo-2026", T0)
    assert await sessions.purge_expired(T0 + timedelta(hours=11)) == 1


@pytest.mark.parametrize("collection", [ACCOUNTS, SESSIONS])
async def test_reads_are_by_id_only(mongo: Mongo, collection: str) -> None:
    await mongo.db[collection].insert_one({"_id": "k1", "x": 1})
    plan = await mongo.db.command("explain", {"find": collection, "filter": {"_id": "k1"}})
    if "filterPushdown" in plan:  # FerretDB: only _id equality is pushed down to SQLite
        assert plan["filterPushdown"] is True and "USING INDEX" in str(plan["queryPlanner"])
    else:  # MongoDB 7
        assert any(stage in str(plan["queryPlanner"]["winningPlan"]) for stage in ("IDHACK", "EXPRESS", "IXSCAN"))
