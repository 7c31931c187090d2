"""Test helpers for the real local engines (pytest plugin: ``pm_common.testing.fixtures``)."""

from pm_common.testing.helpers import EventProbe, free_port, poll_until, same_partition_key, unique_name

__all__ = ["EventProbe", "free_port", "poll_until", "same_partition_key", "unique_name"]
