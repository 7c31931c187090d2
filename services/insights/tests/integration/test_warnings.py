"""Early warning on the real engines: 14 days of engineering complaints spread over four buildings,
then a burst of lift complaints in building 3 today → exactly one ``insight.warning`` (location_spike,
3|engineering) on the real topic, also after every event is delivered again; the API lists it; the
thresholds are the estate's own (PUT), and a higher threshold keeps another estate's burst quiet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from insights_harness import serve, settings_for
from seed_data import _event, _received, _triaged

from pm_common import topics
from pm_common.events.payloads import Location
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_common.kafka import KafkaPublisher
from pm_common.mongo import Mongo
from pm_common.testing import EventProbe, poll_until
from pm_common.testing.fixtures import Engines

pytestmark = pytest.mark.integration


def _complaints(estate: str, prefix: str, at: datetime, building: str, n: int) -> list[tuple[str, object]]:
    out = []
    for i in range(n):
        cid, when = f"{prefix}{i}", at + timedelta(seconds=i)
        received = _received(cid, estate, "phone", when, Location(building=building, room=cid))
        out.append(_event(topics.COMPLAINT_RECEIVED, received, when))
        out.append(_event(topics.COMPLAINT_TRIAGED, _triaged(cid, estate, "engineering", when), when))
    return out


async def test_a_lift_spike_in_one_building_raises_exactly_one_warning(
    engines: Engines, mongo: Mongo, topic_prefix: str, publisher: KafkaPublisher
) -> None:
    now = datetime.now(UTC)
    events = []
    for day in range(1, 15):  # the baseline: one engineering complaint a day in each of buildings 1, 2, 5, 6
        for building in ("1", "2", "5", "6"):
            events += _complaints("SUNNY", f"b{day}-{building}-", now - timedelta(days=day), building, 1)
    spike = _complaints("SUNNY", "lift-", now - timedelta(seconds=30), "3", 6)
    quiet = _complaints("JADE", "jade-", now - timedelta(seconds=30), "3", 6)
    async with EventProbe(engines.kafka_bootstrap, topic_prefix, [topics.INSIGHT_WARNING]) as probe:
        async with serve(settings_for(engines, mongo.db.name, topic_prefix)) as insights:
            async with insights.client("supervisor", ("SUNNY", "JADE")) as sup:
                thresholds = (await sup.get("/v1/estates/JADE/warning-thresholds")).json()
                assert thresholds["location_spike"]["min_count"] == 3  # the default
                thresholds["location_spike"]["min_count"] = 10
                thresholds["nature_spike"]["min_count"] = 10
                assert (await sup.put("/v1/estates/JADE/warning-thresholds", json=thresholds)).status_code == 200
                for topic, event in [*events, *spike, *quiet]:
                    await publisher.publish(topic, event)  # type: ignore[arg-type]
                await poll_until(lambda: insights.caught_up(engines.kafka_bootstrap), timeout=120, what="read")
                warned = await probe.wait_for(topics.INSIGHT_WARNING, timeout=30)
                for topic, event in [*spike, *quiet]:  # delivered again: no second warning
                    await publisher.publish(topic, event)  # type: ignore[arg-type]
                await poll_until(lambda: insights.caught_up(engines.kafka_bootstrap), timeout=120, what="again")
                listed = (await sup.get("/v1/warnings")).json()["items"]
                one = (await sup.get(f"/v1/warnings/{listed[0]['warning_id']}")).json()
                # 被投诉人: a complaint of the warning later names a supervisor; that supervisor's reads of
                # the warning leave it out (the figures stay), everybody else's still list it
                about = one["complaint_ids"][0]
                changed = ComplaintSubjectsChanged(
                    complaint_id=about, estate_id="SUNNY", subject_staff_ids=("p-lift-sub",), revision=1, changed_at=now
                )
                await publisher.publish(*_event(topics.COMPLAINT_SUBJECTS_CHANGED, changed, now))  # type: ignore[arg-type]
                async with insights.client("supervisor", ("SUNNY",), sub="p-lift-sub") as subject:

                    async def hidden_from_the_subject() -> bool:
                        mine = (await subject.get(f"/v1/warnings/{one['warning_id']}")).json()
                        return about not in mine["complaint_ids"]

                    await poll_until(hidden_from_the_subject, timeout=60, what="the complaint hidden from its subject")
                    mine = (await subject.get("/v1/warnings")).json()["items"][0]
                    assert about not in mine["complaint_ids"] and mine["observed"] == one["observed"]
                again = (await sup.get(f"/v1/warnings/{one['warning_id']}")).json()
                assert again["complaint_ids"] == one["complaint_ids"]
            async with insights.client("supervisor", ("JADE",)) as jade:
                assert (await jade.get("/v1/warnings")).json()["items"] == []
                assert (await jade.get(f"/v1/warnings/{listed[0]['warning_id']}")).status_code == 404
        await probe._drain()
    all_warnings = [e for t, e, _ in probe.events if t == topics.INSIGHT_WARNING]
    assert len(all_warnings) == 1 and all_warnings[0].id == warned[0].id
    data = warned[0].data
    assert (data["estate_id"], data["rule"], data["key"]) == ("SUNNY", "location_spike", "3|engineering")
    assert data["observed"] >= 3 and data["baseline"] == 0 and data["threshold"] == 3
    assert data["window_start"] == data["window_end"] == (now + timedelta(hours=8)).date().isoformat()
    assert set(data["complaint_ids"]) <= {f"lift-{i}" for i in range(6)} and len(data["complaint_ids"]) >= 3
    assert [w["warning_id"] for w in listed] == [data["warning_id"]] and warned[0].id == data["warning_id"]
    assert one["rule"] == "location_spike" and len(one["complaint_ids"]) == len(data["complaint_ids"])
