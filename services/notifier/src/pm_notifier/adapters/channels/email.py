"""E-mail over real SMTP (aiosmtplib). The Message-ID is derived from the delivery's idempotency key,
so a resend after a crash mid-send carries the same Message-ID (mail systems and the local sink
de-duplicate on it; SMTP itself has no idempotency)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from pm_notifier.adapters.channels.base import Result
from pm_notifier.service_layer.ports import Outbound


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        tls: bool = False,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.tls = username, password, tls

    async def __call__(self, m: Outbound) -> Result:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = m.address
        msg["Subject"] = m.zh[:60]
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = f"<{m.idempotency_key}@pm-notifier>"
        msg.set_content(f"{m.zh}\n\n{m.en}\n")
        try:
            errors, response = await aiosmtplib.send(
                msg,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.tls,
                timeout=10,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return Result("rejected", str(exc)[:200])
        except aiosmtplib.SMTPResponseException as exc:
            return Result("rejected" if 500 <= exc.code < 600 else "error", f"{exc.code} {exc.message}"[:200])
        except aiosmtplib.SMTPException as exc:
            return Result("error", str(exc)[:200])
        if errors:
            return Result("rejected", str(errors)[:200])
        return Result("accepted", response[:200], msg["Message-ID"])
