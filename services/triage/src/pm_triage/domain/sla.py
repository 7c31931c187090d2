"""SLA targets: the policy and its deadline arithmetic moved to :mod:`pm_common.sla` (the SLA monitor
owns the per-estate policy and is authoritative); triage proposes deadlines from the same defaults."""

from pm_common.sla.policy import SlaPolicy, SlaTargets, compute_deadlines, grade_deadlines

__all__ = ["SlaPolicy", "SlaTargets", "compute_deadlines", "grade_deadlines"]
