"""A small, deterministic demo organisation for the sample estates (SUNNY, JADE, JINXIU), in the
shape of ``PUT /v1/estates/{estate_id}/organisation``; loaded by ``make seed-org`` (and ``make run``).

Per estate: engineering, environment, security, customer service and finance teams plus the control
room (中控室); day staff on working days, a weekend/holiday engineer, night security, a day and a
night control-room officer, a duty manager; a lift contractor around the clock and a fire-systems
contractor on working days; routing rules by category, lift and fire items, urgency.
"""

from __future__ import annotations

from typing import Any

DEMO_ESTATES = ("SUNNY", "JADE", "JINXIU")

# estate -> names of: engineer (lift), engineer (plumbing), weekend engineer, cleaner, guard (day),
# guard (night), customer service, finance, control room (day), control room (night), duty manager
_NAMES = {
    "SUNNY": ["王建国", "李志强", "周海", "陈丽", "刘洋", "何军", "孙敏", "吴芳", "钱芳", "赵磊", "马超"],
    "JADE": ["张伟", "黄勇", "徐明", "林娟", "郭涛", "罗斌", "梁静", "宋佳", "唐颖", "韩冰", "冯刚"],
    "JINXIU": ["曹阳", "彭亮", "蒋波", "谢婷", "邓辉", "许峰", "沈悦", "杜鹃", "叶青", "程龙", "袁浩"],
}
_SLOTS = [
    # key, roles, team, skills, channels, duty (days, start, end)
    ("eng1", ["handler"], "eng", ["lift", "electrical"], ["sms", "wechat"], ("working", "08:30", "17:30")),
    ("eng2", ["handler"], "eng", ["plumbing", "electrical"], ["sms", "wechat"], ("working", "08:30", "17:30")),
    ("eng3", ["handler"], "eng", ["electrical", "plumbing", "lift"], ["sms"], ("rest", "08:30", "17:30")),
    ("env1", ["handler"], "env", ["cleaning", "greening"], ["wechat"], ("all", "07:00", "16:00")),
    ("sec1", ["handler"], "sec", ["parking", "patrol"], ["sms"], ("all", "08:00", "20:00")),
    ("sec2", ["handler"], "sec", ["patrol"], ["sms"], ("all", "20:00", "08:00")),
    ("cs1", ["handler", "customer_service"], "cs", ["reception"], ["wechat", "email"], ("working", "08:30", "17:30")),
    ("fin1", ["handler"], "fin", ["billing"], ["email"], ("working", "09:00", "17:00")),
    ("ctl1", ["control_room"], "ctl", [], ["pager", "sms"], ("all", "08:30", "17:30")),
    ("ctl2", ["control_room"], "ctl", [], ["pager", "sms"], ("all", "17:30", "08:30")),
    ("mgr1", ["duty_manager", "supervisor"], "cs", [], ["sms", "wechat"], ("all", "08:30", "20:00")),
]
_TEAMS = [
    ("eng", "工程部维修班", "Engineering", "engineering", "internal"),
    ("env", "环境部（保洁绿化）", "Cleaning & greening", "cleaning_greening", "internal"),
    ("sec", "秩序部", "Security", "security", "internal"),
    ("cs", "客服中心", "Customer service", "customer_service", "internal"),
    ("fin", "财务部", "Finance", "finance", "internal"),
    ("ctl", "中控室", "Control room", "control_room", "control_room"),
]
_RULES: list[tuple[str, int, dict[str, Any], str, dict[str, Any]]] = [
    # rule_id, priority, match, team, extra
    (
        "lift-urgent",
        10,
        {"categories": ["engineering"], "needs": ["lift"], "urgencies": ["urgent"]},
        "eng",
        {"skills": ["lift"], "note": "电梯困人等紧急情况：在岗工程人员，非工作时间中控室"},
    ),
    (
        "lift",
        20,
        {"categories": ["engineering"], "needs": ["lift"]},
        "eng",
        {"contractor_trade": "lift", "note": "电梯一般故障：电梯维保单位"},
    ),
    ("fire", 20, {"needs": ["fire"]}, "eng", {"contractor_trade": "fire", "note": "消防设施：消防维保单位"}),
    ("engineering", 100, {"categories": ["engineering"]}, "eng", {}),
    ("environment", 100, {"categories": ["cleaning_greening"]}, "env", {}),
    ("security", 100, {"categories": ["security_order"]}, "sec", {}),
    ("finance", 100, {"categories": ["fees_finance"]}, "fin", {}),
    ("service", 100, {"categories": ["customer_service", "community_culture", "other"]}, "cs", {}),
]


def demo_organisation(estate_id: str) -> dict[str, Any]:
    prefix = estate_id.lower()
    people: list[dict[str, Any]] = []
    duty: list[dict[str, Any]] = []
    for (key, roles, team, skills, channels, (days, start, end)), name in zip(_SLOTS, _NAMES[estate_id], strict=True):
        person_id = f"{prefix}-{key}"
        number = 13800000000 + 100 * DEMO_ESTATES.index(estate_id) + len(people)
        people.append(
            {
                "person_id": person_id,
                "name": name,
                "roles": roles,
                "team_ids": [team],
                "skills": skills,
                "channels": channels,
                "contact": {
                    "phone": str(number),
                    "email": f"{key}@{prefix}.example.com",
                    "wechat_openid": f"o-demo-{person_id}",
                },
            }
        )
        duty += [
            {"person_id": person_id, "role": r, "team_id": team, "days": days, "start": start, "end": end}
            for r in roles
        ]
    return {
        "timezone": "Asia/Shanghai",
        "teams": [
            {"team_id": t, "name_zh": zh, "name_en": en, "department": dept, "kind": kind}
            for t, zh, en, dept, kind in _TEAMS
        ],
        "people": people,
        "duty_rules": duty,
        "overrides": [],
        "contractors": [
            {
                "contractor_id": "c-lift",
                "name": "迅达电梯维保",
                "trades": ["lift"],
                "estate_ids": list(DEMO_ESTATES),
                "channels": ["sms"],
                "contact": {"contact_name": "值班调度", "phone": "4008001234"},
            },
            {
                "contractor_id": f"c-fire-{prefix}",
                "name": "安消消防维保",
                "trades": ["fire"],
                "estate_ids": [estate_id],
                "contract_days": "working",
                "contract_start": "08:30",
                "contract_end": "17:30",
                "channels": ["sms", "email"],
                "contact": {"contact_name": "项目经理", "phone": "02155550100", "email": "fire@contractor.example.com"},
            },
        ],
        "routing_rules": [
            {"rule_id": rule_id, "priority": priority, **match, "team_id": team, **extra}
            for rule_id, priority, match, team, extra in _RULES
        ],
    }
