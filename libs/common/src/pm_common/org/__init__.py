"""The organisation an estate routes to, as every service sees it (组织架构与值班表).

Dispatch owns the organisation (API, storage) and publishes each estate's :class:`OrgSnapshot`
on the ``org.changed`` topic (keyed by estate id, full snapshot each time, ``version`` increasing).
The SLA monitor and the notifier keep the latest snapshot per estate and ask :func:`on_duty` who is
on duty for a role at an instant, so all three answer the same way. Snapshots carry ids, names,
roles, skills and the channel kinds a person accepts — never phone numbers or e-mail addresses
(contacts are looked up at delivery time from dispatch's internal API).
"""

from pm_common.org.model import (
    ROLES,
    Contractor,
    DutyOverride,
    DutyRule,
    OrgPerson,
    OrgSnapshot,
    OrgTeam,
    Role,
)
from pm_common.org.roster import contractor_available, on_duty, rule_covers

__all__ = [
    "ROLES",
    "Contractor",
    "DutyOverride",
    "DutyRule",
    "OrgPerson",
    "OrgSnapshot",
    "OrgTeam",
    "Role",
    "contractor_available",
    "on_duty",
    "rule_covers",
]
