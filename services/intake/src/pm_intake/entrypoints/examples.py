"""OpenAPI examples (Chinese content, as staff and owners write it)."""

from __future__ import annotations

from typing import Any


def ex(summary: str, value: Any) -> dict[str, Any]:
    return {"summary": summary, "value": value}


def response(example: Any, description: str = "成功 / OK") -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": {"application/json": {"example": example}}}}


REGISTER = {
    "front_desk": ex(
        "前台接待（登记时已复述确认）",
        {
            "estate_id": "SUNNY",
            "channel": "front_desk",
            "content": "3号楼2单元电梯困人，里面有老人，请马上派人",
            "matter": "电梯故障",
            "location": {"building": "3", "unit": "2"},
            "owner": {"name": "张三", "phone": "13812341234", "building": "3", "unit": "2", "room": "1201"},
            "urgency_reported": "urgent",
            "readback_confirmed": True,
        },
    ),
    "phone": ex(
        "热线来电（CTI 通话编号与录音）",
        {
            "estate_id": "SUNNY",
            "channel": "phone",
            "content": "地下车库B区漏水，积水很深",
            "location": {"area": "地下车库B区"},
            "owner": {"name": "李四", "phone": "13900001111"},
            "channel_details": {
                "call_id": "CTI-20261122-000381",
                "recording_ref": "REC-000381",
                "recording_notice_given": True,
            },
        },
    ),
    "draft": ex(
        "走访先存草稿，复述确认后再登记",
        {
            "estate_id": "JADE",
            "channel": "visit",
            "content": "独居老人反映楼道灯不亮，晚上出门不方便",
            "owner": {"name": "王阿姨", "building": "5", "room": "302"},
            "hold_for_readback": True,
            "channel_details": {"visit_purpose": "elderly_alone"},
        },
    ),
    "on_the_spot": ex(
        "当场答复办结",
        {
            "estate_id": "SUNNY",
            "channel": "front_desk",
            "content": "咨询物业费缴费方式",
            "owner": {"name": "赵六", "phone": "13700002222"},
            "answered_on_spot": "可通过物业App、微信公众号或前台刷卡缴纳，已现场演示",
        },
    ),
    "anonymous": ex(
        "匿名反映（不留任何身份信息）",
        {
            "estate_id": "SUNNY",
            "channel": "anonymous",
            "content": "夜班保安经常在岗亭睡觉",
            "location": {"area": "北门岗亭"},
        },
    ),
    "wechat": ex(
        "微信小程序（附照片）",
        {
            "estate_id": "JINXIU",
            "channel": "wechat",
            "content": "小区东门垃圾桶满了两天没人清理",
            "owner": {"phone": "13600003333"},
            "channel_details": {"wechat_source": "mini_program"},
            "evidence": [
                {
                    "kind": "photo",
                    "ref": "oss://pm/2026/11/ab12.jpg",
                    "content_type": "image/jpeg",
                    "size_bytes": 245000,
                }
            ],
        },
    ),
}

BATCH = {
    "suggestion_box": ex(
        "意见箱开箱批量录入",
        {
            "estate_id": "SUNNY",
            "channel": "suggestion_box",
            "channel_details": {"box_id": "BOX-3", "opened_at": "2026-11-22T09:00:00+08:00"},
            "items": [
                {"content": "建议在儿童游乐区加装遮阳棚"},
                {"content": "5号楼电梯按钮失灵", "location": {"building": "5"}, "owner": {"name": "陈先生"}},
            ],
        },
    ),
}

ACK = {
    "complaint_id": "4f1c0a6e2b7d4c5e9a8b7c6d5e4f3a2b",
    "reference_no": "SUNNY-20261122-0042",
    "status": "received",
    "message": "感谢您的反馈，已登记，编号 SUNNY-20261122-0042。我们将在 11月23日 09:30 前与您联系。",
    "message_en": "Thank you, your item is recorded as SUNNY-20261122-0042.",
    "next_contact_by": "2026-11-23T01:30:00Z",
    "tracking_token": None,
}

READBACK = {
    "agreed": ex("业主认可复述内容", {"owner_agreed": True}),
    "corrected": ex("按业主更正后确认", {"owner_agreed": True, "content": "5号楼3楼楼道灯不亮，晚上出门不方便"}),
}
NOTE = {
    "owner": ex("给业主看的进展说明", {"text": "维修师傅已预约明天上午上门", "visibility": "owner"}),
    "internal": ex(
        "内部备注（业主不可见）", {"text": "该业主上月已投诉两次，情绪激动，注意沟通", "visibility": "internal"}
    ),
}
REVEAL = {"callback": ex("回访需要联系业主", {"reason": "电话回访，告知维修结果"})}
LEDGER = {
    "items": [
        {
            "complaint_id": "4f1c…",
            "reference_no": "SUNNY-20261122-0042",
            "estate_id": "SUNNY",
            "channel": "phone",
            "status": "in_progress",
            "content": "地下车库B区漏水，积水很深",
            "owner_name": "李*",
            "owner_phone": "139****1111",
            "urgency_reported": "urgent",
            "received_at": "2026-11-22T01:20:00Z",
            "recorder_id": "desk-1",
            "category": "engineering",
            "department": "engineering",
            "handler_id": "eng-7",
        }
    ],
    "total": 1,
    "total_exact": True,
    "page": 1,
    "page_size": 20,
    "next_cursor": None,
}
OWNER_ITEM = {
    "complaint_id": "4f1c…",
    "reference_no": "SUNNY-20261122-0042",
    "estate_id": "SUNNY",
    "channel": "phone",
    "status": "in_progress",
    "content": "地下车库B区漏水，积水很深",
    "answer": None,
    "timeline": [
        {"at": "2026-11-22T01:20:00Z", "kind": "received", "note": "已登记，编号 SUNNY-20261122-0042"},
        {"at": "2026-11-22T01:25:00Z", "kind": "assigned", "note": "已派单至 engineering"},
    ],
}
OTP = {"phone": ex("用手机号获取验证码", {"phone": "13812341234"})}
SESSION = {
    "phone": ex("手机号 + 验证码", {"phone": "13812341234", "code": "123456"}),
    "tracking": ex("匿名查询凭证", {"tracking_token": "trk_3Jw…"}),
}
SUPPLEMENT = {
    "text": ex(
        "补充说明与照片",
        {
            "text": "今天早上又漏了，水已经流到电梯口",
            "evidence": [
                {
                    "kind": "photo",
                    "ref": "oss://pm/2026/11/cd34.jpg",
                    "content_type": "image/jpeg",
                    "size_bytes": 310000,
                }
            ],
        },
    )
}
WITHDRAW = {"fixed": ex("问题已自行解决", {"reason": "邻居已经修好了，不需要再处理"})}
INTEGRATION = {"cti": ex("呼叫中心接入", {"name": "呼叫中心 CTI", "channels": ["phone"], "estates": ["SUNNY", "JADE"]})}
