"""API keys of channel integrations (CTI, WeChat gateway, app backend, Open311 clients).

A key is ``<key id>.<secret>``; only SHA-256 of the secret is stored. Each key names the channels
it may file on and the estates it serves.

Scope of administrators: an admin manages (sees, creates, revokes) only keys for estates it serves
itself; a key for every estate (``"*"``) only a group-wide admin (``estates: ["*"]``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pm_intake.domain.errors import KeyNotFound, NotPermitted
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


def may_manage(admin_estates: tuple[str, ...], key_estates: list[str] | tuple[str, ...]) -> bool:
    """An admin manages a key only when it serves every estate of the key; ``"*"`` keys only group-wide."""
    if "*" in admin_estates:
        return True
    return bool(key_estates) and "*" not in key_estates and set(key_estates) <= set(admin_estates)


def check_may_grant(admin_estates: tuple[str, ...], estates: list[str]) -> None:
    if not may_manage(admin_estates, estates):
        if "*" in estates:
            raise NotPermitted(
                "只有集团级管理员可以创建适用于全部项目的接入密钥",
                "only a group-wide admin may create keys for every estate",
            )
        outside = ", ".join(sorted(set(estates) - set(admin_estates)))
        raise NotPermitted(f"无权为不负责的项目创建接入密钥：{outside}", f"no access to estate(s) {outside}")


async def create_key_as(
    admin_estates: tuple[str, ...],
    name: str,
    channels: list[str],
    estates: list[str],
    keys: IntegrationKeys,
    now: datetime,
) -> tuple[str, dict[str, Any]]:
    check_may_grant(admin_estates, estates)
    return await create_key(name, channels, estates, keys, now)


async def list_keys_as(admin_estates: tuple[str, ...], keys: IntegrationKeys) -> list[dict[str, Any]]:
    return [public(k) for k in await keys.all() if may_manage(admin_estates, k["estates"])]


async def revoke_key_as(admin_estates: tuple[str, ...], key_id: str, keys: IntegrationKeys, now: datetime) -> None:
    record = await keys.get(key_id)
    if record is None or not may_manage(admin_estates, record["estates"]) or not await keys.revoke(key_id, now):
        raise KeyNotFound()  # a key outside the admin's estates looks exactly like a missing one


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
