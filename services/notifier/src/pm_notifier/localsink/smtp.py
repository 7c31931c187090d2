"""The sink's real SMTP server (aiosmtpd): every accepted mail is listed, de-duplicated on Message-ID."""

from __future__ import annotations

import asyncio
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from pm_notifier.localsink.store import SinkStore


class SinkHandler:
    def __init__(self, store: SinkStore) -> None:
        self.store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        status = self.store.injected_failure("email")
        if status is not None:
            return f"{status} injected failure"
        raw = envelope.original_content or envelope.content
        msg = message_from_bytes(raw if isinstance(raw, bytes) else str(raw).encode(), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        part = msg.get_body(("plain",))
        text = part.get_content().strip() if part is not None else ""
        message_id = str(msg.get("Message-ID", "")) or None
        for rcpt in envelope.rcpt_tos:
            key = f"{message_id}|{rcpt}" if message_id else None
            self.store.record(
                "email", rcpt, text, key, subject=str(msg.get("Subject", "")), mail_from=envelope.mail_from
            )
        return "250 Message accepted for delivery"


async def start_smtp(store: SinkStore, host: str, port: int) -> asyncio.Server:
    loop = asyncio.get_running_loop()
    handler = SinkHandler(store)

    def factory() -> Any:
        return SMTP(handler, hostname="pm-local-sink")

    return await loop.create_server(factory, host, port)
