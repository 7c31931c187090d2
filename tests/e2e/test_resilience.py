"""Killing the broker or the DB: services report unhealthy, recover when it returns, lose nothing.
Probes: intake stays ready without the broker (outbox), triage does not; nobody fails liveness.

Runs its own throw-away Kafka and FerretDB (other ports, own state folder) so that killing them
does not disturb the other tests.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pm_common.auth import issue_token
from pm_common.mongo import Mongo
from pm_common.testing import free_port, poll_until
from pm_common.testing.fixtures import ENGINES, Engines

pytestmark = pytest.mark.e2e


class OwnEngines:
    def __init__(self, state: Path) -> None:
        self.env = {
            **os.environ,
            "PM_LOCAL_STATE_DIR": str(state),
            "PM_LOCAL_KAFKA_PORT": str(free_port()),
            "PM_LOCAL_KAFKA_CONTROLLER_PORT": str(free_port()),
            "PM_LOCAL_MONGO_PORT": str(free_port()),
        }
        self.engines = Engines(
            f"mongodb://127.0.0.1:{self.env['PM_LOCAL_MONGO_PORT']}", f"127.0.0.1:{self.env['PM_LOCAL_KAFKA_PORT']}"
        )

        self.credentials_file = state / "conf" / "kafka-credentials.json"  # written by the broker's setup

    def run(self, *args: str) -> None:
        subprocess.run([sys.executable, str(ENGINES), *args], env=self.env, check=True)


@pytest.fixture
def own_engines(tmp_path: Path, engines: Engines) -> Iterator[OwnEngines]:  # `engines`: binaries fetched
    own = OwnEngines(tmp_path / "engines")
    own.run("up")
    yield own
    own.run("down")


async def _health(client: httpx.AsyncClient, want: int, path: str = "/healthz") -> bool:
    try:
        return (await client.get(path)).status_code == want
    except httpx.HTTPError:
        return want != 200


async def test_services_report_unhealthy_and_recover_without_losing_complaints(own_engines, stack_factory) -> None:
    credentials = own_engines.credentials_file  # the own broker's principals, not the session broker's
    auth = {"KAFKA_CREDENTIALS_FILE": str(credentials)} if credentials.exists() else {}
    stack = stack_factory(own_engines.engines, "", **auth)
    stack.start(only=("intake", "triage"))
    await asyncio.to_thread(stack.wait_healthy)
    token = issue_token(stack.secret, "desk-1", "front_desk", ["*"])
    headers = {"Authorization": f"Bearer {token}"}
    body = {"estate_id": "JADE", "channel": "app", "content": "小区大门的伸缩门坏了，一直开着"}
    triage_db = Mongo(own_engines.engines.mongo_url, f"{stack.run_id}_pm_triage")
    async with (
        httpx.AsyncClient(base_url=stack.url("intake"), headers=headers, timeout=15) as intake,
        httpx.AsyncClient(base_url=stack.url("triage"), timeout=15) as triage,
    ):
        # --- the broker dies: intake still accepts (outbox), reports unhealthy, publishes after recovery
        await asyncio.to_thread(own_engines.run, "down", "kafka")
        await poll_until(lambda: _health(intake, 503), timeout=30, what="intake unhealthy without Kafka")
        await poll_until(lambda: _health(triage, 503, "/readyz"), timeout=30, what="triage not ready without Kafka")
        assert (await intake.get("/readyz")).status_code == 200, "intake must stay in service (outbox)"
        assert (await intake.get("/livez")).status_code == 200 and (await triage.get("/livez")).status_code == 200
        response = await intake.post("/v1/complaints", json=body)
        assert response.status_code == 201, response.text
        cid = response.json()["complaint_id"]
        await asyncio.to_thread(own_engines.run, "up", "kafka")
        await poll_until(lambda: _health(intake, 200), timeout=60, what="intake healthy again")
        triaged = await poll_until(
            lambda: triage_db.collection("triages").find_one({"_id": cid}), timeout=90, what="triage of the complaint"
        )
        assert triaged["decision"] == "accepted"

        # --- the DB dies: unhealthy, refuses new work with a clear 503, recovers with data intact
        await asyncio.to_thread(own_engines.run, "down", "mongo")
        await poll_until(lambda: _health(intake, 503), timeout=30, what="intake unhealthy without the DB")
        await poll_until(lambda: _health(intake, 503, "/readyz"), timeout=30, what="intake not ready without the DB")
        assert (await intake.get("/livez")).status_code == 200
        refused = await intake.post("/v1/complaints", json=body)
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "unavailable" and "数据库" in refused.json()["error"]["message"]
        await asyncio.to_thread(own_engines.run, "up", "mongo")
        await poll_until(lambda: _health(intake, 200), timeout=60, what="intake healthy after DB restart")
        before = await intake.get(f"/v1/complaints/{cid}")
        assert before.status_code == 200 and before.json()["status"] in ("received", "triaged")
        again = await intake.post("/v1/complaints", json=body)
        assert again.status_code == 201
        await poll_until(
            lambda: triage_db.collection("triages").find_one({"_id": again.json()["complaint_id"]}),
            timeout=60,
            what="triage after DB recovery",
        )
    triage_db.close()
