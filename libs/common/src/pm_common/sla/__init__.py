"""时限标准 / The SLA policy every service computes deadlines from (DOMAIN §4, §9 defaults).

The SLA monitor owns the policy per estate (API, history) and is authoritative for every clock;
triage uses the same defaults here to propose the deadlines it puts on ``complaint.triaged``.
"""

from pm_common.sla.ladder import EscalationLadder, LadderStep, default_ladders
from pm_common.sla.policy import SlaPolicy, SlaTargets, compute_deadlines, grade_deadlines

__all__ = [
    "EscalationLadder",
    "LadderStep",
    "SlaPolicy",
    "SlaTargets",
    "compute_deadlines",
    "default_ladders",
    "grade_deadlines",
]
