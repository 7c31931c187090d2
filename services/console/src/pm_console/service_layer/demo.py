"""Demo staff accounts for the local run (never in prod). Passwords are documented in docs/console.md."""

from __future__ import annotations

from datetime import datetime

from pm_common.auth import Role
from pm_console.domain.errors import AccountExists
from pm_console.service_layer.auth import create_account
from pm_console.service_layer.ports import Accounts, Hasher

DEMO_ACCOUNTS: tuple[tuple[str, str, str, Role, tuple[str, ...]], ...] = (
    ("admin", "admin-demo-2026", "系统管理员", "admin", ("*",)),
    ("desk.sunny", "desk-demo-2026", "阳光花园前台 小王", "front_desk", ("SUNNY",)),
    ("desk.jade", "desk-demo-2026", "翠湖苑前台 小李", "front_desk", ("JADE",)),
    ("sup.sunny", "sup-demo-2026", "阳光花园客服主管 陈主管", "supervisor", ("SUNNY",)),
    ("eng.sunny", "eng-demo-2026", "阳光花园工程部 王师傅", "handler", ("SUNNY",)),
    ("sup.jinxiu", "sup-demo-2026", "锦绣华庭客服主管 周主管", "supervisor", ("JINXIU",)),
    ("lead", "lead-demo-2026", "品质部 赵经理", "leadership", ("*",)),
)


async def seed_demo_accounts(accounts: Accounts, hasher: Hasher, now: datetime) -> list[str]:
    created = []
    for username, password, name, role, estates in DEMO_ACCOUNTS:
        if await accounts.get(username) is not None:
            continue
        try:
            await create_account(username, password, name, role, list(estates), accounts, hasher, now)
            created.append(username)
        except AccountExists:
            pass
    return created
