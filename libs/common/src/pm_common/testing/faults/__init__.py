"""Fault-injection harness: own engines to kill, a load generator, an exactly-once checker, a report.

Used by ``tests/faults`` (``make test-faults``); see the README's operations section.
"""

from pm_common.testing.faults.checker import Checker, Outcome
from pm_common.testing.faults.engines import OwnEngines
from pm_common.testing.faults.load import Accepted, Load
from pm_common.testing.faults.report import record, table

__all__ = ["Accepted", "Checker", "Load", "Outcome", "OwnEngines", "record", "table"]
