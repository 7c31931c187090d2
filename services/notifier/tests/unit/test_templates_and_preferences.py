"""Templates (zh-CN first, English, estate overrides, local time) and owner quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pm_notifier.domain.model import Contact, Recipient, delivery_id, mask
from pm_notifier.domain.preferences import Preferences, quiet_until
from pm_notifier.domain.templates import TEMPLATES, check_override, placeholders, render

pytestmark = pytest.mark.unit


def test_times_are_shown_in_the_estates_local_time() -> None:
    text = render("appointment", {"estate": "阳光花园", "visit_at": "2026-12-03T06:30:00+00:00"})
    assert text.zh == "【阳光花园】维修人员将于 12月3日 14:30 上门处理您反映的事项，如需改约请联系客服中心。"
    assert "2026-12-03 14:30 (Asia/Shanghai)" in text.en
    urumqi = render("appointment", {"estate": "E", "visit_at": "2026-12-03T06:30:00+00:00"}, tz="Asia/Urumqi")
    assert "12:30" in urumqi.zh


def test_an_estate_overrides_a_template_and_unknown_placeholders_are_refused() -> None:
    overrides = {"result": {"zh": "【{estate}】处理结果：{result_summary}。如有疑问请致电 400-000-0000。"}}
    text = render("result", {"estate": "翠湖苑", "result_summary": "已修复"}, overrides=overrides)
    assert text.zh == "【翠湖苑】处理结果：已修复。如有疑问请致电 400-000-0000。"
    assert text.en.startswith("[翠湖苑] Your item has been handled")  # English keeps the default
    assert check_override("result", "结果：{result_summary}", None) == []
    assert check_override("result", "结果：{phone}", None) == ["phone"]


def test_every_template_renders_in_both_languages_with_its_placeholders() -> None:
    for name in TEMPLATES:
        params = {
            p: "2026-12-01T02:00:00+00:00" if p.endswith(("_at", "_by", "deadline")) else "X"
            for p in placeholders(name)
        }
        text = render(name, params)
        assert text.zh and text.en and "{" not in text.zh + text.en, name


def test_quiet_hours_hold_only_non_urgent_messages_and_span_midnight() -> None:
    prefs = Preferences(quiet_start="22:00", quiet_end="08:00")
    late = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    assert quiet_until(prefs, late, "Asia/Shanghai", urgent=False) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    early = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)  # 06:00 next day in Shanghai
    assert quiet_until(prefs, early, "Asia/Shanghai", urgent=False) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    assert quiet_until(prefs, late, "Asia/Shanghai", urgent=True) is None
    day = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00
    assert quiet_until(prefs, day, "Asia/Shanghai", urgent=False) is None
    assert quiet_until(Preferences(), late, "Asia/Shanghai", urgent=False) is None


def test_channels_in_preference_order_and_anonymous_owners_only_by_inbox() -> None:
    contact = Contact({"sms": "13800000000", "email": "a@b.cn"}, accepts=("sms", "email"))
    assert contact.channels(("email",)) == ["email", "sms"]
    assert contact.channels(("wechat",)) == ["sms", "email"]  # no openid: WeChat is skipped
    assert Contact({"sms": "1"}, anonymous=True).channels() == ["inbox"]


def test_delivery_ids_are_deterministic_and_addresses_masked() -> None:
    owner = Recipient("owner", "c-1")
    assert delivery_id("evt-1", owner, "result") == delivery_id("evt-1", owner, "result")
    assert delivery_id("evt-1", owner, "result") != delivery_id("evt-2", owner, "result")
    assert delivery_id("evt-1", owner, "result") != delivery_id("evt-1", Recipient("staff", "c-1"), "result")
    assert mask("sms", "13812341234") == "138****1234" and mask("email", "zhang@example.com") == "z***@example.com"
