"""Administration from the command line (uses MONGO_URL / INTAKE_MONGO_DB).

python -m pm_intake.entrypoints.cli create-key --name "呼叫中心 CTI" --channels phone --estates SUNNY,JADE
python -m pm_intake.entrypoints.cli list-keys
python -m pm_intake.entrypoints.cli revoke-key ik_1a2b3c4d5e6f
python -m pm_intake.entrypoints.cli rebuild-index   # index every stored item once (docs/data-path.md)
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime

from pm_common.mongo import Mongo
from pm_intake.adapters.repository import MongoComplaintRepository
from pm_intake.adapters.stores import MongoIntegrationKeys
from pm_intake.config import IntakeSettings
from pm_intake.service_layer import integrations


async def _run(args: argparse.Namespace) -> int:
    settings = IntakeSettings()
    mongo = Mongo(settings.mongo_url, settings.mongo_db)
    keys = MongoIntegrationKeys(mongo)
    try:
        if args.command == "create-key":
            api_key, record = await integrations.create_key(
                args.name, args.channels.split(","), args.estates.split(","), keys, datetime.now(UTC)
            )
            print(json.dumps({"api_key": api_key, **record}, ensure_ascii=False, default=str))
        elif args.command == "list-keys":
            for record in await keys.all():
                print(json.dumps(integrations.public(record), ensure_ascii=False, default=str))
        elif args.command == "rebuild-index":
            done = await MongoComplaintRepository(mongo).rebuild_index()
            print(f"indexed {done} items")
        elif args.command == "revoke-key":
            if not await keys.revoke(args.key_id, datetime.now(UTC)):
                print(f"no active key {args.key_id}")
                return 1
        return 0
    finally:
        mongo.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Intake administration: integration API keys, the ledger index")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-key", help="create an API key (printed once)")
    create.add_argument("--name", required=True)
    create.add_argument("--channels", required=True, help="comma-separated channels, e.g. phone,wechat")
    create.add_argument("--estates", required=True, help="comma-separated estate ids, or *")
    sub.add_parser("list-keys")
    revoke = sub.add_parser("revoke-key")
    revoke.add_argument("key_id")
    sub.add_parser("rebuild-index", help="index every stored item once (data written before the index)")
    return asyncio.run(_run(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
