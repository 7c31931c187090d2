"""Payloads of the organisation events (dispatch-org → sla-monitor, notifier).

``org.changed`` v1 carries the estate's whole :class:`pm_common.org.OrgSnapshot` (teams, people with
roles/skills/channel kinds, duty rules, overrides, contractors, ``version``), never contact values.
Keyed by estate id; a consumer keeps the snapshot with the highest ``version`` per estate, so a
redelivered or reordered event is harmless.
"""

from __future__ import annotations

from pm_common.org.model import OrgSnapshot


class OrgChanged(OrgSnapshot):
    """org.changed v1: the estate's organisation after one change (full snapshot, ``version`` + 1)."""
