"""UI text: Simplified Chinese first, English by the ``lang`` cookie (or ``?lang=en``)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from pm_console.entrypoints.i18n_tasks import TASK_TEXT

LANGS = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    "app": ("物业投诉与意见反馈平台", "Complaint & feedback platform"),
    "console": ("员工工作台", "Staff console"),
    "login": ("登录", "Log in"),
    "logout": ("退出登录", "Log out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "desk": ("前台登记", "Front desk"),
    "ledger": ("台账", "Ledger"),
    "estate": ("项目", "Estate"),
    "all_estates": ("全部项目", "All estates"),
    "channel": ("渠道", "Channel"),
    "content": ("反映内容", "What the owner says"),
    "matter": ("涉及事项", "Matter"),
    "location": ("地点", "Location"),
    "building": ("楼栋", "Building"),
    "unit": ("单元", "Unit"),
    "room": ("房号", "Room"),
    "area": ("区域", "Area"),
    "owner": ("业主信息", "Owner"),
    "name": ("姓名", "Name"),
    "phone": ("电话", "Phone"),
    "email": ("电子邮箱", "E-mail"),
    "urgency": ("紧急程度", "Urgency"),
    "not_given": ("未说明", "not given"),
    "call_id": ("呼叫中心通话编号", "CTI call id"),
    "recording_ref": ("通话录音编号", "Recording reference"),
    "recording_notice_given": ("已告知来电人通话录音", "Caller told the call is recorded"),
    "document_ref": ("收文编号 / Message-ID", "Document reference / Message-ID"),
    "box_id": ("意见箱编号", "Suggestion box id"),
    "opened_at": ("开箱时间", "Box opened at"),
    "session_ref": ("恳谈会/问卷编号", "Meeting / survey reference"),
    "wechat_source": ("来源", "Source"),
    "official_account": ("公众号", "Official account"),
    "mini_program": ("小程序", "Mini program"),
    "group_name": ("业主群名称", "Owner group name"),
    "visit_purpose": ("走访类型", "Visit purpose"),
    "new_resident": ("新入住", "New resident"),
    "elderly_alone": ("独居老人", "Elderly living alone"),
    "routine": ("例行", "Routine"),
    "follow_up": ("回访", "Follow-up"),
    "preview": ("智能分类预览", "Classification preview"),
    "preview_hint": ("输入内容后自动分类（仅供参考，以分诊结果为准）", "Classified as you type (a preview only)"),
    "category": ("类别", "Category"),
    "grade": ("投诉等级", "Grade"),
    "confidence": ("置信度", "Confidence"),
    "readback": ("复述确认", "Read back"),
    "readback_hint": ("请向业主复述以下内容并确认：", "Read this back to the owner and confirm:"),
    "owner_agreed": ("业主已确认，正式登记", "Owner agrees: register"),
    "edit": ("返回修改", "Back to edit"),
    "register": ("登记", "Register"),
    "ack": ("登记回执（请向业主宣读）", "Acknowledgement (read it out to the owner)"),
    "reference": ("登记编号", "Reference"),
    "tracking_token": ("查询凭证（仅显示一次，请交给业主）", "Tracking token (shown once: give it to the owner)"),
    "new_item": ("登记下一条", "Next item"),
    "status": ("状态", "Status"),
    "all": ("全部", "All"),
    "search": ("查询", "Search"),
    "keyword": ("关键词", "Keyword"),
    "date_from": ("登记日期起", "From"),
    "date_to": ("登记日期止", "To"),
    "received_at": ("登记时间", "Received"),
    "next_page": ("下一页", "Next page"),
    "first_page": ("第一页", "First page"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "total": ("共", "Total"),
    "items": ("条", "items"),
    "no_items": ("没有符合条件的登记", "No items match"),
    "handler": ("承办人", "Handler"),
    "department": ("部门", "Department"),
    "timeline": ("时间线", "Timeline"),
    "triage": ("分类研判", "Triage"),
    "decision": ("受理判断", "Decision"),
    "reviews": ("待复核", "Reviews"),
    "confirm": ("确认", "Confirm"),
    "override": ("修改分类", "Override"),
    "reject": ("不予受理", "Refuse"),
    "rejection_reason": ("不予受理理由", "Reason"),
    "note": ("说明（修改或不予受理时必填）", "Note (required to override or refuse)"),
    "no_reviews": ("没有待复核的登记", "Nothing waits for a review"),
    "back": ("返回", "Back"),
    "error": ("出错了", "Something went wrong"),
    "times_local": ("时间均为项目当地时间", "Times are the estate's local time"),
    "h5_title": ("业主服务", "Owner service"),
    "submit_complaint": ("我要反映", "Report an issue"),
    "track": ("进度查询", "Track my items"),
    "anonymous": ("匿名反映（不留姓名电话）", "Stay anonymous (no name or phone)"),
    "photo": ("照片", "Photo"),
    "submit": ("提交", "Submit"),
    "get_code": ("获取验证码", "Get code"),
    "code": ("验证码", "Code"),
    "verify": ("验证并查询", "Verify and show"),
    "or_token": ("或使用查询凭证", "or use a tracking token"),
    "open": ("查询", "Show"),
    "my_items": ("我的登记", "My items"),
    "recorder": ("登记人", "Recorder"),
    "switch_lang": ("English", "中文"),
}
TEXT.update(TASK_TEXT)


def lang_of(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
    return chosen if chosen in LANGS else "zh"


def translator(lang: str) -> Callable[[str], str]:
    index = 1 if lang == "en" else 0

    def t(key: str) -> str:
        pair = TEXT.get(key)
        return pair[index] if pair else key

    return t
