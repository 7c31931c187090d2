"""API keys of channel integrations (CTI, WeChat gateway, app backend, Open311 clients).

A key is ``<key id>.<secret>``; only SHA-256 of the secret is stored. Each key names the channels
it may file on and the estates it serves.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pm_intake.service_layer.ports import IntegrationKeys


@dataclass(frozen=True)
class Integration:
    key_id: str
    name: str
    channels: frozenset[str]
    estates: tuple[str, ...]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_key(
    name: str,
    channels: list[str],
    estates: list[str],
    keys: IntegrationKeys,
    now: datetime,
    *,
    key_id: str | None = None,
    secret: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """Returns the API key (shown once) and the stored record (without the hash)."""
    key_id = key_id or "ik_" + secrets.token_hex(6)
    secret = secret or secrets.token_urlsafe(32)
    record = {
        "_id": key_id,
        "name": name,
        "channels": sorted(set(channels)),
        "estates": sorted(set(estates)),
        "secret_sha256": _hash(secret),
        "created_at": now,
        "revoked_at": None,
    }
    await keys.add(record)
    return f"{key_id}.{secret}", public(record)


def public(record: dict[str, Any]) -> dict[str, Any]:
    return {"key_id": record["_id"], **{k: v for k, v in record.items() if k not in ("_id", "secret_sha256")}}


async def authenticate(api_key: str, keys: IntegrationKeys) -> Integration | None:
    key_id, _, secret = api_key.strip().partition(".")
    if not key_id or not secret:
        return None
    record = await keys.get(key_id)
    if record is None or record.get("revoked_at") or not hmac.compare_digest(record["secret_sha256"], _hash(secret)):
        return None
    return Integration(record["_id"], record["name"], frozenset(record["channels"]), tuple(record["estates"]))
