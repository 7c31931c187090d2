"""The topics triage creates before its faust app starts are exactly the ones the app uses."""

from __future__ import annotations

from pm_triage.config import TriageSettings
from pm_triage.entrypoints.incident_stream import IncidentStream, stream_topics


async def _noop(*_: object) -> None:
    return None


def test_stream_topics_are_the_faust_apps_own_topics() -> None:
    settings = TriageSettings(topic_prefix="t1.", incident_partitions=3)
    stream = IncidentStream(settings, _noop)
    app = stream.build_app()
    used = {app.tables["fault_reports"].changelog_topic.get_topic_name(), f"{stream.app_id}-fault-reports"}
    used.add(app._leader_assignor._leader_topic_name)  # faust's own name for it
    created = {spec.name: spec for spec in stream_topics(stream.app_id, settings.incident_partitions)}
    assert set(created) == used
    assert all(name.startswith("t1.triage-incidents") for name in created)
    assert created["t1.triage-incidents-fault_reports-changelog"].configs["cleanup.policy"] == "compact"
    assert created["t1.triage-incidents-fault-reports"].partitions == 3
