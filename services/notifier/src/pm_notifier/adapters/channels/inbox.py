"""The anonymous owner's channel: the tracking-token inbox. The delivery record itself is the inbox
message (no contact exists); the owner reads it with the tracking token (intake's owner view asks
``GET /internal/v1/complaints/{id}/inbox``)."""

from __future__ import annotations

from pm_notifier.adapters.channels.base import Result
from pm_notifier.service_layer.ports import Outbound


async def inbox(m: Outbound) -> Result:
    return Result("delivered", "tracking-token inbox", f"inbox:{m.delivery_id}")
