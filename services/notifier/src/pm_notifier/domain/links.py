"""Signed owner and staff links (survey H5 page, page acknowledgement): the link is the credential,
so it carries what it is for, about what, for whom, and until when, under an HMAC."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json


class BadLink(Exception):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkSigner:
    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"pm-notifier:links", hashlib.sha256).digest()

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:18])

    def sign(self, purpose: str, ref: str, who: str, expires: int) -> str:
        body = _b64(json.dumps([purpose, ref, who, expires], separators=(",", ":")).encode())
        return f"{body}.{self._mac(body)}"

    def verify(self, purpose: str, token: str, now: float) -> tuple[str, str]:
        """``(ref, who)`` of a valid, unexpired link for ``purpose``; else :class:`BadLink`."""
        body, _, mac = token.partition(".")
        if not mac or not hmac.compare_digest(mac, self._mac(body)):
            raise BadLink()
        try:
            kind, ref, who, expires = json.loads(_unb64(body))
        except (ValueError, TypeError):
            raise BadLink() from None
        if kind != purpose or int(expires) < now:
            raise BadLink()
        return str(ref), str(who)
