"""The fault a complaint reports, for same-fault linking and group-incident counting.

A *place* is an estate-wide facility (供水, 供电, 道闸 …), a building-level facility qualified by
its building (``3号楼/电梯``), the building alone, or the free-text area. The *fault key* is
``estate|place|nature``: several households reporting the same key within the window are the same
fault; reaching the threshold makes it a group incident (群诉). Estates add facility terms through
their lexicon overlay (``facilities: {building: {term: name}, estate: {term: name}}``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pm_triage.domain.duplicates import building_id

BUILDING_FACILITIES: dict[str, str] = {
    "电梯": "电梯",
    "声控灯": "楼道灯",
    "楼道灯": "楼道灯",
    "单元门": "单元门",
    "对讲": "对讲门铃",
    "门铃": "对讲门铃",
    "消防栓": "消防栓",
    "外墙": "外墙",
    "楼顶": "楼顶",
    "天台": "楼顶",
    "楼道": "楼道",
    "楼梯": "楼道",
}
ESTATE_FACILITIES: dict[str, str] = {
    "停水": "供水",
    "没水": "供水",
    "没有水": "供水",
    "供水": "供水",
    "水压": "供水",
    "停电": "供电",
    "没电": "供电",
    "没有电": "供电",
    "断电": "供电",
    "燃气": "燃气",
    "煤气": "燃气",
    "天然气": "燃气",
    "道闸": "道闸",
    "大门": "大门",
    "门禁": "门禁",
    "路灯": "路灯",
    "地库": "地下车库",
    "车库": "地下车库",
    "垃圾站": "垃圾站",
    "监控": "监控",
    "快递": "快递",
    "充电桩": "充电桩",
    "水景": "水景",
    "泳池": "泳池",
}
_BUILDING_IN_TEXT = re.compile(r"([0-9一二三四五六七八九十]+)\s*(?:号楼|栋|幢|座|号)")


@dataclass(frozen=True)
class FacilityCatalog:
    building: dict[str, str]
    estate: dict[str, str]

    @classmethod
    def default(cls, overlay: dict[str, Any] | None = None) -> FacilityCatalog:
        """The built-in terms, extended by an estate overlay's ``facilities`` section."""
        extra = (overlay or {}).get("facilities") or {}
        return cls(
            {**BUILDING_FACILITIES, **{str(k): str(v) for k, v in (extra.get("building") or {}).items()}},
            {**ESTATE_FACILITIES, **{str(k): str(v) for k, v in (extra.get("estate") or {}).items()}},
        )

    def find(self, text: str) -> tuple[str, str] | None:
        """(level, facility) of the earliest (then longest) facility term in ``text``."""
        best: tuple[int, int, str, str] | None = None
        for level, terms in (("building", self.building), ("estate", self.estate)):
            for term, name in terms.items():
                at = text.find(term)
                if at >= 0 and (best is None or (at, -len(term)) < (best[0], best[1])):
                    best = (at, -len(term), level, name)
        return (best[2], best[3]) if best else None


def building_of(building: str | None, text: str) -> str | None:
    if building and building.strip():
        return building_id(building)
    found = _BUILDING_IN_TEXT.search(text)
    return found.group(1) if found else None


def fault_place(building: str | None, area: str | None, text: str, catalog: FacilityCatalog) -> str | None:
    """Where the fault is, or None when nothing locates it (then it is not counted)."""
    facility = catalog.find(text)
    bld = building_of(building, text)
    if facility is not None and facility[0] == "estate":
        return facility[1]
    if bld:
        return f"{bld}号楼/{facility[1]}" if facility else f"{bld}号楼"
    if area and area.strip():
        return area.strip()
    return facility[1] if facility else None


def fault_key(estate_id: str, place: str, category: str) -> str:
    return f"{estate_id}|{place}|{category}"


def split_fault_key(key: str) -> tuple[str, str, str]:
    """(estate_id, place, category) of a fault key."""
    estate_id, rest = key.split("|", 1)
    place, category = rest.rsplit("|", 1)
    return estate_id, place, category
