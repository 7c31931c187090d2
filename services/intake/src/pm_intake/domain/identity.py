"""Owner identity without storing identity: keyed hashes of phone numbers, tracking tokens, owner tokens.

- ``owner_key(phone)`` = HMAC(secret, normalised phone): what the register stores to find an owner's
  items after an OTP check; the phone itself sits only in the item's personal-data section.
- Anonymous (and phone-less) items get a tracking token = HMAC(secret, "track:" + complaint id),
  returned once; only its SHA-256 is stored, so a database copy alone cannot produce tokens.
- Owner session tokens are signed like staff tokens but with a separate derived key, so an owner
  token can never pass as a staff token (nor the other way round).
Standard library only: this module is pure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from pm_intake.domain.errors import OwnerAuthFailed

OwnerKind = Literal["phone", "tracking"]


def _derived(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), f"pm-intake:{purpose}".encode(), hashlib.sha256).digest()


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"[^0-9]", "", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def owner_key(secret: str, phone: str) -> str:
    return hmac.new(_derived(secret, "owner-key"), normalise_phone(phone).encode(), hashlib.sha256).hexdigest()


def tracking_token(secret: str, complaint_id: str) -> str:
    mac = hmac.new(_derived(secret, "tracking"), complaint_id.encode(), hashlib.sha256).digest()
    return "trk_" + base64.urlsafe_b64encode(mac[:24]).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_otp_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def otp_slot(phone_key: str, requester: str) -> str:
    """Where a one-time code lives: per phone **and** requesting client address. Someone else asking a
    code for the same phone (or guessing codes) from another address neither replaces nor burns the
    owner's code; a code is used from the address that asked for it."""
    return f"{phone_key}|{hashlib.sha256(requester.encode()).hexdigest()[:16]}"


def otp_hash(secret: str, phone_key: str, code: str) -> str:
    return hmac.new(_derived(secret, "otp"), f"{phone_key}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class OwnerPrincipal:
    """An owner session: ``sub`` is an owner key (phone) or a tracking-token hash."""

    sub: str
    kind: OwnerKind
    exp: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_owner_token(secret: str, sub: str, kind: OwnerKind, now: float, ttl_seconds: int) -> str:
    body = _b64(json.dumps({"sub": sub, "role": "owner", "kind": kind, "exp": int(now) + ttl_seconds}).encode())
    signature = _b64(hmac.new(_derived(secret, "owner-token"), body.encode(), hashlib.sha256).digest())
    return f"{body}.{signature}"


def verify_owner_token(secret: str, token: str, now: float) -> OwnerPrincipal:
    body, _, signature = token.partition(".")
    expected = _b64(hmac.new(_derived(secret, "owner-token"), body.encode(), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature, expected):
        raise OwnerAuthFailed("业主令牌无效", "invalid owner token")
    try:
        claims = json.loads(_unb64(body))
        principal = OwnerPrincipal(str(claims["sub"]), claims["kind"], int(claims["exp"]))
    except (ValueError, KeyError, TypeError):
        raise OwnerAuthFailed("业主令牌无效", "invalid owner token") from None
    if claims.get("role") != "owner" or principal.kind not in ("phone", "tracking"):
        raise OwnerAuthFailed("业主令牌无效", "invalid owner token")
    if principal.exp < now:
        raise OwnerAuthFailed("业主令牌已过期，请重新验证", "owner token expired")
    return principal


def hmac_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
