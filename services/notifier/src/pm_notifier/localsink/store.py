"""In-memory record of what the sink received, with provider-style de-duplication on the
idempotency key (HTTP ``Idempotency-Key`` / WeChat ``client_msg_id`` / e-mail ``Message-ID``)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class SinkStore:
    messages: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0  # every provider call, duplicates included
    duplicates: int = 0  # calls answered from the idempotency record (nothing shown twice)
    failures: dict[str, list[int]] = field(default_factory=dict)  # channel → statuses to answer next
    _by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, channel: str, times: int, status: int) -> None:
        self.failures.setdefault(channel, []).extend([status] * times)

    def injected_failure(self, channel: str) -> int | None:
        pending = self.failures.get(channel)
        return pending.pop(0) if pending else None

    def record(self, channel: str, recipient: str, text: str, key: str | None, **extra: Any) -> dict[str, Any]:
        self.calls += 1
        if key and key in self._by_key:
            self.duplicates += 1
            return self._by_key[key]
        message = {
            "id": f"{channel}-{next(self._ids)}",
            "channel": channel,
            "recipient": recipient,
            "text": text,
            "idempotency_key": key,
            "received_at": datetime.now(UTC).isoformat(),
            **extra,
        }
        self.messages.append(message)
        if key:
            self._by_key[key] = message
        return message

    def reset(self) -> None:
        self.messages.clear()
        self.failures.clear()
        self._by_key.clear()
        self.calls = self.duplicates = 0

    def by_recipient(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for m in self.messages:
            grouped.setdefault(f"{m['channel']}:{m['recipient']}", []).append(m)
        return grouped
