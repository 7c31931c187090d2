"""Staff accounts from the command line (``make console-admin``, ``make console-demo``).

python -m pm_console.entrypoints.cli create-account --username admin --role admin --estates '*'
    (asks for the password twice; --password-stdin reads it from standard input instead)
python -m pm_console.entrypoints.cli seed-demo      (dev/test only: the demo accounts of docs/console.md)
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from datetime import UTC, datetime
from typing import get_args

from pm_common.auth import Role
from pm_console.bootstrap import account_tools
from pm_console.config import ConsoleSettings
from pm_console.domain.errors import ConsoleError
from pm_console.service_layer import auth, demo

ROLES = [r for r in get_args(Role) if r != "integration"]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码 / password: ")
    if getpass.getpass("再次输入 / again: ") != first:
        raise SystemExit("两次输入不一致 / the passwords differ")
    return first


async def _create(args: argparse.Namespace, settings: ConsoleSettings) -> None:
    mongo, accounts, hasher = account_tools(settings)
    try:
        account = await auth.create_account(
            args.username,
            _password(args.password_stdin),
            args.name or args.username,
            args.role,
            args.estates.split(","),
            accounts,
            hasher,
            datetime.now(UTC),
        )
        print(f"created {account.username} ({account.role}, estates {','.join(account.estates)})")
    finally:
        mongo.close()


async def _seed(settings: ConsoleSettings) -> None:
    if settings.env == "prod":
        raise SystemExit("demo accounts are never created in prod")
    mongo, accounts, hasher = account_tools(settings)
    try:
        created = await demo.seed_demo_accounts(accounts, hasher, datetime.now(UTC))
        print("created: " + (", ".join(created) if created else "none (all exist)"))
        for username, password, name, role, estates in demo.DEMO_ACCOUNTS:
            print(f"  {username:<12} {password:<16} {role:<12} {','.join(estates):<8} {name}")
    finally:
        mongo.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Console staff accounts (CONSOLE_MONGO_DB, MONGO_URL apply)")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-account", help="create a staff account")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--estates", required=True, help="comma-separated estate ids, or *")
    create.add_argument("--name", default="", help="display name")
    create.add_argument("--password-stdin", action="store_true")
    sub.add_parser("seed-demo", help="create the demo accounts (not in prod)")
    args = parser.parse_args(argv)
    settings = ConsoleSettings()
    try:
        asyncio.run(_create(args, settings) if args.command == "create-account" else _seed(settings))
    except ConsoleError as exc:
        raise SystemExit(f"{exc.zh} / {exc.en}") from None


if __name__ == "__main__":
    main()
