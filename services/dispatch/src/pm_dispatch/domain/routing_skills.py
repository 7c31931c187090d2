"""The skills (trades) an item needs, read from its matter and content, for ``RoutingRequest.skills``.

A small keyword table, deliberately conservative: a skill is only a preference among the people on
duty (and the ``needs`` condition of a rule, e.g. lift items to the lift contractor), so a missed
keyword routes by category alone, never nowhere. Estates name their own skills; these are the
names the demo organisation and the docs use.
"""

from __future__ import annotations

SKILL_KEYWORDS: dict[str, tuple[str, ...]] = {
    "lift": ("电梯", "困人", "轿厢", "扶梯"),
    "fire": ("消防", "烟感", "喷淋", "火警", "灭火器", "消火栓"),
    "plumbing": ("漏水", "水管", "爆管", "下水", "堵塞", "马桶", "渗水", "停水", "水压"),
    "electrical": ("停电", "跳闸", "电路", "插座", "灯不亮", "路灯", "电表", "配电"),
    "gas": ("燃气", "煤气"),
    "waterproofing": ("渗漏", "防水", "屋顶漏", "外墙渗"),
    "parking": ("车位", "停车", "道闸", "车库"),
    "access_control": ("门禁", "伸缩门", "单元门", "对讲"),
    "cleaning": ("垃圾", "保洁", "卫生", "清扫"),
    "greening": ("绿化", "草坪", "修剪", "树木"),
    "pest_control": ("老鼠", "蟑螂", "白蚁", "蚊虫"),
}


def skills_for(*texts: str | None) -> tuple[str, ...]:
    """The skills whose keywords occur in any of ``texts`` (matter, content …), in table order."""
    joined = " ".join(t for t in texts if t)
    return tuple(skill for skill, words in SKILL_KEYWORDS.items() if any(w in joined for w in words))
