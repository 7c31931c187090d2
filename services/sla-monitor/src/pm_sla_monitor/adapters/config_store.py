"""Per-estate configuration the monitor reads: the SLA policy (with its history) and the latest
organisation snapshot from ``org.changed``. Both are read by ``_id`` (estate id) and cached briefly,
so every instance sees a change within ``ttl`` seconds."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from pm_common.mongo import Mongo, insert_once
from pm_common.org import OrgSnapshot
from pm_common.sla import SlaPolicy

POLICIES = "sla_policies"
POLICY_HISTORY = "sla_policy_history"
ORG = "org_snapshots"


class MongoConfigStore:
    def __init__(self, mongo: Mongo, *, ttl: float = 5.0) -> None:
        self.policies = mongo.collection(POLICIES)
        self.history = mongo.collection(POLICY_HISTORY)
        self.org = mongo.collection(ORG)
        self.ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}

    async def _cached(self, kind: str, estate_id: str, load: Any) -> Any:
        hit = self._cache.get((kind, estate_id))
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        value = await load()
        self._cache[(kind, estate_id)] = (time.monotonic(), value)
        return value

    # -- policy -------------------------------------------------------------------------------
    async def policy_document(self, estate_id: str) -> dict[str, Any] | None:
        return await self.policies.find_one({"_id": estate_id})

    async def policy(self, estate_id: str) -> tuple[SlaPolicy, bool]:
        """The estate's policy and whether it is the estate's own (else the defaults)."""

        async def load() -> tuple[SlaPolicy, bool]:
            doc = await self.policy_document(estate_id)
            if doc is None:
                return SlaPolicy(), False
            return SlaPolicy.model_validate(doc["policy"]), True

        result: tuple[SlaPolicy, bool] = await self._cached("policy", estate_id, load)
        return result

    async def save_policy(self, estate_id: str, policy: SlaPolicy, staff: str, now: datetime) -> dict[str, Any]:
        previous = await self.policy_document(estate_id)
        revision = (previous or {}).get("revision", 0) + 1
        body = policy.model_dump(mode="json")
        doc = {"_id": estate_id, "policy": body, "revision": revision, "updated_by": staff, "updated_at": now}
        await self.policies.replace_one({"_id": estate_id}, doc, upsert=True)
        await insert_once(
            self.history,
            {"_id": f"{estate_id}|{revision}", "estate_id": estate_id, **doc} | {"_id": f"{estate_id}|{revision}"},
        )
        self._cache.pop(("policy", estate_id), None)
        return doc

    async def policy_history(self, estate_id: str) -> list[dict[str, Any]]:
        doc = await self.policy_document(estate_id)
        out = []
        for revision in range((doc or {}).get("revision", 0), 0, -1):
            entry = await self.history.find_one({"_id": f"{estate_id}|{revision}"})
            if entry is not None:
                out.append(entry)
        return out

    # -- organisation -------------------------------------------------------------------------
    async def save_org(self, snapshot: OrgSnapshot) -> bool:
        """Keep the highest version per estate; ``False`` for an older or equal one."""
        current = await self.org.find_one({"_id": snapshot.estate_id}, {"version": 1})
        if current is not None and current.get("version", 0) >= snapshot.version:
            return False
        doc = {"_id": snapshot.estate_id, "version": snapshot.version, "snapshot": snapshot.model_dump(mode="json")}
        await self.org.replace_one({"_id": snapshot.estate_id}, doc, upsert=True)
        self._cache.pop(("org", snapshot.estate_id), None)
        return True

    async def snapshot(self, estate_id: str) -> OrgSnapshot | None:
        async def load() -> OrgSnapshot | None:
            doc = await self.org.find_one({"_id": estate_id})
            return OrgSnapshot.model_validate(doc["snapshot"]) if doc else None

        result: OrgSnapshot | None = await self._cached("org", estate_id, load)
        return result
