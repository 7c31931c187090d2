"""Issue #14 item 3 on the real engines: the seeded data set (seed_data.py) goes through the real topics
in a shuffled order (task events before their complaint, a re-triage's revision 2 before revision 1, a
later survey answer before the earlier one) → every figure of the API equals the value stated here by
hand; every event delivered again changes nothing; a rebuild (fresh database, fresh consumer group
from offset 0) gives the same figures; a SUNNY supervisor sees SUNNY only."""

from __future__ import annotations

import io
import random
from typing import Any

import httpx
import openpyxl
import pypdf
import pytest
from insights_harness import serve, settings_for
from seed_data import data_set

from pm_common.kafka import KafkaPublisher
from pm_common.mongo import Mongo
from pm_common.testing import poll_until, unique_name
from pm_common.testing.fixtures import Engines

pytestmark = pytest.mark.integration
MONTH = {"since": "2026-11-01", "until": "2026-11-30"}

SUNNY: dict[str, Any] = {
    "complaints": 30,
    "by_estate": {"SUNNY": 30},
    "by_nature": {"engineering": 14, "cleaning_greening": 8, "customer_service": 5, "security_order": 3},
    "by_channel": {"phone": 10, "wechat": 10, "front_desk": 10},
    "by_handler": {"p-wang": 14, "p-zhao": 8, "p-chen": 5, "unassigned": 3},
    "by_period": {"2026-11-02": 10, "2026-11-03": 10, "2026-11-10": 10},
    "sla": {
        "dispatch": {"measured": 28, "met": 27, "late": 1, "compliance": 0.9643},
        "onsite": {"measured": 10, "met": 10, "late": 0, "compliance": 1.0},
        "resolve": {"measured": 22, "met": 16, "late": 6, "compliance": 0.7273},
        "return_visit": {"measured": 5, "met": 5, "late": 0, "compliance": 1.0},
    },
    "satisfaction": {
        "surveys": 10, "mean_score": 4.5, "satisfied": 8, "satisfied_rate": 0.8,
        "return_visits": 5, "return_visit_satisfied": 4, "return_visit_satisfied_rate": 0.8,
    },
    "first_contact_resolution": {"resolved": 21, "first_contact": 18, "rate": 0.8571},
    "repeat_households": {
        "households": 26, "repeat_households": 1, "repeat_complaints": 2, "rate": 0.0385,
        "top": [{"estate_id": "SUNNY", "household": "3|1|502", "complaints": 2}],
    },
    "reopen": {"resolved": 21, "reopened": 2, "reopenings": 3, "rate": 0.0952},
}  # fmt: skip


def _figures(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("since", "until", "estates", "period")}


async def _publish(publisher: KafkaPublisher, events: list[Any], seed: int) -> None:
    shuffled = list(events)
    random.Random(seed).shuffle(shuffled)
    for topic, event in shuffled:
        await publisher.publish(topic, event)


async def test_the_seeded_data_set_gives_the_figures_stated_by_hand(
    engines: Engines, mongo: Mongo, topic_prefix: str, publisher: KafkaPublisher
) -> None:
    events = data_set()
    await _publish(publisher, events, seed=14)
    async with serve(settings_for(engines, mongo.db.name, topic_prefix)) as insights:
        await poll_until(lambda: insights.caught_up(engines.kafka_bootstrap), timeout=120, what="all events read")
        async with insights.client("supervisor", ("SUNNY",)) as sup, insights.client() as lead:
            sunny = (await sup.get("/v1/statistics", params=MONTH)).json()
            assert sunny["estates"] == ["SUNNY"]
            assert _figures(sunny) == SUNNY

            weeks = (await lead.get("/v1/statistics", params={**MONTH, "period": "week"})).json()
            assert weeks["estates"] == ["JADE", "SUNNY"] and weeks["complaints"] == 40
            assert weeks["by_period"] == {"2026-W45": 30, "2026-W46": 10}
            assert weeks["by_estate"] == {"JADE": 10, "SUNNY": 30}
            assert weeks["by_nature"] == {
                "engineering": 19, "cleaning_greening": 13, "customer_service": 5, "security_order": 3,
            }  # fmt: skip
            assert weeks["by_handler"]["unassigned"] == 13 and weeks["by_channel"]["app"] == 10
            month = (await lead.get("/v1/statistics", params={**MONTH, "period": "month"})).json()
            assert month["by_period"] == {"2026-11": 40}
            one_day = (await lead.get("/v1/statistics", params={"since": "2026-11-02", "until": "2026-11-02"})).json()
            assert one_day["complaints"] == 10  # received 00:30 Shanghai time: the local day, not the UTC one

            refused = await sup.get("/v1/statistics", params={**MONTH, "estate_id": "JADE"})
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "estate_forbidden"
            bad = await sup.get("/v1/statistics", params={"since": "2026-11-30", "until": "2026-11-01"})
            assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_period"

            await _check_reports(sup)

            # every event once more, in another order: nothing changes
            await _publish(publisher, events, seed=15)
            await poll_until(lambda: insights.caught_up(engines.kafka_bootstrap), timeout=120, what="duplicates read")
            assert _figures((await sup.get("/v1/statistics", params=MONTH)).json()) == SUNNY
            assert (await lead.get("/v1/statistics", params={**MONTH, "period": "week"})).json() == weeks

    # rebuild: a fresh database and a fresh consumer group read every topic from offset 0
    rebuilt_db = Mongo(engines.mongo_url, unique_name("test_rebuild_"))
    try:
        settings = settings_for(engines, rebuilt_db.db.name, topic_prefix, consumer_group_suffix="-rebuild")
        async with serve(settings) as rebuilt:
            await poll_until(lambda: rebuilt.caught_up(engines.kafka_bootstrap), timeout=120, what="rebuild read")
            async with rebuilt.client("supervisor", ("SUNNY",)) as sup, rebuilt.client() as lead:
                assert _figures((await sup.get("/v1/statistics", params=MONTH)).json()) == SUNNY
                assert (await lead.get("/v1/statistics", params={**MONTH, "period": "week"})).json() == weeks
    finally:
        await rebuilt_db.drop_database()
        rebuilt_db.close()


async def _check_reports(client: httpx.AsyncClient) -> None:
    """The weekly XLSX of W45 (s00–s19) and the monthly PDF of November hold the figures of their period."""
    weekly = await client.get("/v1/reports/weekly", params={"day": "2026-11-04", "format": "xlsx"})
    assert weekly.status_code == 200 and weekly.headers["content-type"].startswith("application/vnd.openxml")
    assert 'filename="complaints-weekly-2026-W45.xlsx"' in weekly.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(weekly.content)).active
    assert sheet is not None
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["投诉总数 complaints"] == 20
    assert values["首次解决率 first-contact resolution"] == "85.0%"  # 17 of 20 (s04, s05 reopened; s06 handed on)
    assert values["重开率 reopen rate"] == "10.0%" and values["重复投诉户数 repeat households"] == 1
    assert values["工程维修 engineering"] == 14 and values["2026-11-03"] == 10
    monthly = await client.get("/v1/reports/monthly", params={"day": "2026-11-20", "format": "pdf"})
    assert monthly.status_code == 200 and monthly.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(monthly.content)).pages)
    assert "投诉月报 monthly report 2026-11" in text and "SUNNY" in text
    for expected in ("投诉总数 complaints\n30", "首次解决率 first-contact resolution\n85.7%", "72.7%", "96.4%"):
        assert expected in text, expected
