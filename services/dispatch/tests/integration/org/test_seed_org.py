"""``make seed-org`` (tools/seed_org.py) against the running app: the three demo estates are loaded
through the API, a second run changes nothing, and each estate routes to named people."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration
TUESDAY_10 = "2026-12-01T10:00:00+08:00"
TOOL = Path(__file__).resolve().parents[5] / "tools" / "seed_org.py"


def _tool() -> Any:
    spec = importlib.util.spec_from_file_location("seed_org", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_seed_loads_every_demo_estate_once(dispatch: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("PM_AUTH_SECRET", dispatch.settings.auth_secret)
    tool = _tool()
    assert await asyncio.to_thread(tool.seed, dispatch.url, ["SUNNY", "JADE", "JINXIU"]) == 0
    assert await asyncio.to_thread(tool.seed, dispatch.url, ["SUNNY", "JADE", "JINXIU"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": ")[1].split(" (")[0] for line in lines] == ["organisation v1 loaded"] * 3 + [
        "organisation v1 unchanged"
    ] * 3
    for estate, name in (("SUNNY", "王建国"), ("JADE", "张伟"), ("JINXIU", "曹阳")):
        async with dispatch.client("supervisor", (estate,)) as sup:
            preview = await sup.post(
                f"/v1/estates/{estate}/organisation/route-preview",
                json={
                    "category": "engineering",
                    "urgency": "urgent",
                    "skills": ["lift"],
                    "at": "2026-12-01T10:00:00+08:00",
                },
            )
            assert preview.status_code == 200 and preview.json()["name"] == name, preview.text
