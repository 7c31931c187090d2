"""Two dispatch processes change one estate's organisation at once (FerretDB would otherwise lose
one of two concurrent updates of a document): every change lands, versions are 1..N without gaps or
repeats, and each change wrote exactly one ``org.changed`` entry into the document's outbox."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from typing import Any

import pytest

from pm_common.events import Envelope
from pm_common.mongo import Mongo
from pm_dispatch.adapters.org_demo import demo_organisation
from pm_dispatch.adapters.org_repository import MongoOrgRepository
from pm_dispatch.domain.organisation_changes import replace_all
from pm_dispatch.domain.organisation_input import OrganisationIn
from pm_dispatch.service_layer.organisation import change_organisation

pytestmark = pytest.mark.integration
N = 12
WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from datetime import UTC, datetime
    from pm_common.mongo import Mongo
    from pm_common.org import OrgTeam
    from pm_dispatch.adapters.org_repository import MongoOrgRepository
    from pm_dispatch.domain.organisation_changes import put_team
    from pm_dispatch.service_layer.organisation import change_organisation

    async def main(url, db, name, n):
        mongo = Mongo(url, db)
        repo = MongoOrgRepository(mongo)
        versions = []
        for i in range(n):
            team = OrgTeam(team_id=f"{name}-{i}", name_zh=f"班组{name}{i}", department="engineering")
            org, changed = await change_organisation(repo, "SUNNY", put_team(team), name, datetime.now(UTC))
            assert changed
            versions.append(org.version)
        print(" ".join(map(str, versions)))
        mongo.close()

    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
    """
)


async def test_two_processes_never_lose_a_change(mongo: Mongo, engines: Any) -> None:
    repo = MongoOrgRepository(mongo)
    sections = OrganisationIn.model_validate(demo_organisation("SUNNY")).sections()
    await change_organisation(repo, "SUNNY", replace_all(sections), "seed", datetime.now(UTC))
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WORKER,
            engines.mongo_url,
            mongo.db.name,
            name,
            str(N),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for name in ("a", "b")
    ]
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 240)
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()[-3000:]
    versions = sorted(int(v) for out, _ in outputs for v in out.decode().split())
    assert versions == list(range(2, 2 + 2 * N)), versions  # each change got its own version
    org = await repo.get("SUNNY")
    assert org is not None and org.version == 1 + 2 * N
    assert {f"{w}-{i}" for w in "ab" for i in range(N)} <= {t.team_id for t in org.teams}
    doc = await mongo.collection("organisations").find_one({"_id": "SUNNY"})
    entries = [Envelope.read(e["event"]) for e in doc["outbox"].values()]
    assert sorted(e.data["version"] for e in entries) == list(range(1, 2 + 2 * N))  # one event per change
    assert doc["outbox_pending"] == len(entries) and {e.subject for e in entries} == {"SUNNY"}
