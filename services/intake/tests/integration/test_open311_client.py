"""Open311 GeoReport v2 against the running service, with the PyPI client ``georeport`` (0.3.1).

``georeport`` reads (services, definitions, requests) but documents that it cannot create requests,
so the POST uses plain httpx with the Open311 form-encoded wire format. The other Open311 clients on
PyPI do not import on Python 3 (``open311`` 1.1: implicit relative imports; ``three`` 0.8.0:
``itertools.ifilter``)."""

from __future__ import annotations

import asyncio

import pytest
import requests
from georeport import GeoReport

from conftest import Intake

pytestmark = pytest.mark.integration

FORM = {
    "jurisdiction_id": "SUNNY",
    "service_code": "engineering",
    "description": "3号楼楼道灯不亮，晚上很黑",
    "attribute[building]": "3",
    "attribute[urgency]": "general",
    "last_name": "张",
    "first_name": "三",
    "phone": "13812341234",
    "address_string": "3号楼大堂",
}


async def test_georeport_client_lists_services_and_fetches_a_posted_request(intake: Intake) -> None:
    key = await intake.new_key(["open311"], ["SUNNY"], "Open311 客户端")
    client = GeoReport(f"{intake.url}/open311/v2", jurisdiction="SUNNY")
    services = await asyncio.to_thread(client.get_service_list)
    assert "engineering" in {s["service_code"] for s in services}
    definition = await asyncio.to_thread(client.get_service_definition, "engineering")
    assert {a["code"] for a in definition["attributes"]} >= {"building", "unit", "room", "urgency"}

    async with intake.client() as http:
        posted = await http.post("/open311/v2/requests.json", data={**FORM, "api_key": key})
        assert posted.status_code == 201, posted.text
        created = posted.json()[0]
        assert created["reference_no"].startswith("SUNNY-") and "编号" in created["service_notice"]
        request_id = created["service_request_id"]

        one = await asyncio.to_thread(client.get_service_request, request_id)
        assert one["service_request_id"] == request_id and one["status"] == "open"
        assert one["service_code"] == "engineering" and one["description"] is None  # no key: no content
        listed = await asyncio.to_thread(client.get_service_requests, service_request_id=request_id)
        assert [r["service_request_id"] for r in listed] == [request_id]

        keyed = (await http.get("/open311/v2/requests.json", params={"api_key": key})).json()
        assert [r["description"] for r in keyed] == [FORM["description"]]
        assert "13812341234" not in str(keyed)

        with pytest.raises(requests.HTTPError):
            await asyncio.to_thread(client.get_service_requests)  # listing without a key is refused
        bad = await http.post("/open311/v2/requests.json", data={**FORM, "api_key": key, "service_code": "nope"})
        assert bad.status_code == 400 and "service_code" in bad.json()[0]["description"]
        nokey = await http.post("/open311/v2/requests.json", data=FORM)
        assert nokey.status_code == 403 and nokey.json()[0]["code"] == 403
        jade = await http.post("/open311/v2/requests.json", data={**FORM, "api_key": key, "jurisdiction_id": "JADE"})
        assert jade.status_code == 403
    doc = await intake.mongo.collection("complaints").find_one({"_id": request_id})
    assert doc["channel"] == "open311" and doc["registration"]["owner"]["phone"] == "138****1234"
    assert doc["registration"]["location"] == {"building": "3", "unit": None, "room": None, "area": "3号楼大堂"}
