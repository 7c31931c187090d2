"""Release 9 (docs/triage.md): a cue counts only in its context — a combination's terms near each
other, a number that is an amount, a seller at the door, a first-aid course, a past event said to be
over by its release (放出来了) or by what came after (事后)."""

from __future__ import annotations

import pytest
from rules_kit import HAZARDS, LEXICON

from pm_triage.domain.classification import Classifier, rules

pytestmark = pytest.mark.unit


def _norm(text: str) -> str:
    return Classifier(LEXICON).normalized(text)


def _combos(text: str) -> set[str]:
    return {e.feature for e in rules.urgent_cues(LEXICON, _norm(text)).evidence if e.feature.startswith("rule:")}


def _triggers(text: str) -> set[str]:
    return {e.value for e in rules.urgent_cues(LEXICON, _norm(text)).evidence if e.feature == "urgency:urgent"}


def _families(text: str) -> set[str]:
    return {h.family for h in HAZARDS.find(_norm(text))}


def test_a_combination_needs_its_terms_near_each_other() -> None:
    far = "刚才闻到楼道里有股怪味，后来发现是谁家在熬中药，不是燃气味，不过你们有空也来看看燃气管放个心"
    assert "rule:gas_leak" not in _combos(far)
    assert "rule:gas_leak" in _combos("厨房燃气管那里一股怪味，越来越重")
    assert "rule:lift_entrapment" in _combos("3号楼电梯停在半中间，我妈被关在里面了")
    # a pipe and its burst stay one signal however far apart (the window is gas_leak's alone)
    assert "rule:pipe_burst" in _combos("我家厨房水管，就是灶台下面靠墙那根老的铸铁的，刚才突然爆了")


@pytest.mark.parametrize("text", ["师傅修完写着维修费120元，没盖章", "结果师傅收了 120 cash，说周末加价", "房子120平"])
def test_an_amount_is_no_emergency_number(text: str) -> None:
    assert "120" not in _triggers(text)
    assert "person" not in _families(text)


def test_an_emergency_number_still_counts() -> None:
    assert "120" in _triggers("老人倒在楼道里了，快打120")
    assert "person" in _families("快打120，人不行了")


@pytest.mark.parametrize(
    "text",
    [
        "最近小区里来了几个推销保健品的，挨家挨户敲门，老人一个人在家的都不敢开门",
        "小区门禁形同虚设，推销的跟着业主尾随进来",
    ],
)
def test_a_seller_at_the_door_is_no_intruder(text: str) -> None:
    assert "violence" not in _families(text)


def test_a_seller_with_a_weapon_still_is() -> None:
    assert "violence" in _families("有个推销的拿着刀在楼道里威胁老人")


@pytest.mark.parametrize(
    "text", ["能不能请社区医院来办一次急救讲座，教一下心肺复苏", "建议组织一次消防和急救培训，教大家用灭火器"]
)
def test_a_first_aid_course_and_an_extinguisher_are_no_emergency(text: str) -> None:
    assert "person" not in _families(text)
    assert not _triggers(text)


@pytest.mark.parametrize(
    "text",
    [
        "前天电梯关了我爸十来分钟，后来维保的来放出来了，这两天一直正常，我想看看维保记录",
        "上回电梯停了把我关里面，结果四十分钟才来人，事后也没个道歉，这态度我要投诉",
    ],
)
def test_a_past_entrapment_said_to_be_over_is_not_urgent(text: str) -> None:
    # rules only (no model): the lexicon's lift trigger must not fire on an event that is over
    assert Classifier(LEXICON).classify(text).urgency != "urgent"


def test_an_entrapment_now_is_urgent_on_the_rules_alone() -> None:
    assert Classifier(LEXICON).classify("电梯把我关在里面了，快来人").urgency == "urgent"


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("阳台栏杆一推就晃 孩子正趴上面", "height"),
        ("地库入口那块吊顶的铝扣板被车刮下来一条，剩下的连着电线吊着", "structure"),
    ],
)
def test_a_child_on_a_moving_railing_and_a_panel_scraped_down(text: str, family: str) -> None:
    assert family in _families(text)


def test_a_railing_that_moves_with_nobody_on_it_is_no_person_at_height() -> None:
    assert "height" not in _families("小区门口护栏一推就晃")


@pytest.mark.parametrize(
    "text",
    ["楼道烟感一直滴滴叫，一分钟叫一下，没冒烟也没啥味，应该是没电了", "走廊的烟感一直在叫，估计是电池没电了"],
)
def test_a_smoke_detectors_flat_battery_is_no_supply_cut(text: str) -> None:
    assert "outage" not in _families(text)
    assert Classifier(LEXICON).classify(text).urgency != "urgent"  # the lexicon's 没电 reads it alike


def test_a_supply_cut_beside_a_smoke_detector_still_is() -> None:
    assert "outage" in _families("整栋楼突然停电了，烟感也在叫，电梯里有没有人不知道")


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("楼道里的蟑螂越来越多，晚上开灯墙上能看到好几只在爬", "height"),
        ("我们楼28层手机信号特别差，打电话都得跑到阳台上，能不能装个基站", "height"),
        ("寄存在前台的钥匙，师傅去拿说找不着了", "fire"),
        ("去年刚交的房，卫生间墙角一直往外渗水，瓷砖缝都黑了", "outage"),
    ],
)
def test_pests_base_stations_lost_keys_and_mould_are_no_hazard(text: str, family: str) -> None:
    assert family not in _families(text)


def test_a_child_at_a_window_still_is_at_height() -> None:
    assert "height" in _families("孩子爬到窗台外面了，快来人")


def test_cigarette_ends_are_litter() -> None:
    assert not _triggers("商铺楼的楼梯间地上全是烟头和槟榔渣，好几天都没人扫了")
    assert "全是烟" in _triggers("楼道里全是烟，看不清路")


def test_a_person_talked_down_yesterday_is_over() -> None:
    text = "上周有个小孩在我们楼天台边上坐着，后来被家长带下去了，这事你们知道吗"
    assert Classifier(LEXICON).classify(text).urgency != "urgent"


@pytest.mark.parametrize(
    "text", ["交那么多钱图个啥？？？你们自己摸着良心想想", "你们这个物业安全上一塌糊涂，早晚要出人命，等着瞧吧"]
)
def test_a_rant_without_a_matter_has_no_facts(text: str) -> None:
    assert rules.no_facts(LEXICON, _norm(text), max(rules.category_terms(LEXICON, _norm(text))[0].values()))


def test_a_rant_that_names_a_matter_has_facts() -> None:
    text = _norm("隔壁养的狗每天晚上叫，说了也是白说")
    assert rules.no_facts(LEXICON, text, max(rules.category_terms(LEXICON, text)[0].values())) is None


@pytest.mark.parametrize(
    "text", ["物业把楼顶租给运营商装基站，每年的租金收到哪去了", "移动在楼顶装基站的时候把天台防水层凿穿了，顶楼渗水"]
)
def test_a_base_station_on_the_estates_roof_is_the_estates_affair(text: str) -> None:
    assert rules.outside_duties(LEXICON, _norm(text)) is None


def test_a_phone_signal_is_the_operators() -> None:
    found = rules.outside_duties(LEXICON, _norm("家里手机信号特别差，能不能让移动公司来装个基站"))
    assert found is not None and found[1].name.startswith("telecom")


@pytest.mark.parametrize(
    ("text", "family"),
    [("前天配电箱冒火花，已经两天了还没修好", "electric"), ("昨天电梯关了人，已经一天了都没修好", "lift")],
)
def test_a_repair_denied_after_a_present_cue_keeps_the_hazard_now(text: str, family: str) -> None:
    assert any(h.family == family and h.modality == "now" for h in HAZARDS.find(_norm(text)))
