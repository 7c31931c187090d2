"""Estate configuration through the API never answers 500 for a hostile overlay (issue 9 item 6)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


async def test_lexicon_overlay_nested_900_deep_is_a_bilingual_422(triage) -> None:  # type: ignore[no-untyped-def]
    deep: dict = {}  # type: ignore[type-arg]
    node = deep
    for _ in range(900):
        node["a"] = {}
        node = node["a"]
    async with triage.client("supervisor", ("JADE",)) as client:
        for overlay in ({"categories": {"engineering": deep}}, {"categories": {"engineering": {"水浸街": 10**30}}}):
            refused = await client.put("/v1/estates/JADE/lexicon", json={"overlay": overlay})
            assert refused.status_code == 422, refused.text[:500]
            error = refused.json()["error"]
            assert error["code"] == "invalid_lexicon" and error["message"].startswith("词库配置无效：")
            assert error["message_en"].startswith("invalid lexicon overlay")
        assert (await client.get("/v1/estates/JADE/lexicon")).json()["overlay"] == {}  # nothing stored
