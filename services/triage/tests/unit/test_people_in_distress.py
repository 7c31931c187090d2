"""Release 10 (docs/triage.md): a person in danger told by the signs, not by a diagnosis or the
word 急救 — breath, chest, a stroke's face and speech, a goodbye message, a fall to the floor, a
child or a confused elder gone, a baby shut in a car, a man following someone home; and the
figurative twins that stay ordinary (电梯里闷得喘不过气)."""

from __future__ import annotations

import pytest

from pm_triage.domain.classification import Classifier
from pm_triage.domain.classification.hazards import HazardRules
from pm_triage.domain.classification.lexicon import compile_lexicon, load_default_lexicon

pytestmark = pytest.mark.unit

LEXICON = compile_lexicon(load_default_lexicon())
HAZARDS = HazardRules.default(LEXICON.replacements)
RULES = Classifier(LEXICON)


def _now(text: str) -> set[str]:
    return {h.family for h in HAZARDS.find(RULES.normalized(text)) if h.modality == "now"}


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("我妈在客厅沙发上突然喘不过气来，脸都白了，8栋1102", "person"),
        ("楼下老李坐在台阶上捂着胸口疼得直冒汗，叫他也说不出几个字", "person"),
        ("我爷爷吃着吃着饭说话含糊了，左手也抬不起来", "person"),
        ("隔壁小伙子在朋友圈发了一句活不下去了，人就联系不上了", "person"),
        ("3单元门口有个阿姨摔倒在地，扶她她说腿动不了", "person"),
        ("孩子刚才自己跑出去玩，到现在没找到，五岁，穿蓝衣服", "person"),
        ("我外公有点糊涂，刚刚自己开门出去了，手机也没带", "person"),
        ("B区车位那辆白车车里闷着一个小孩，车窗关着，太阳正晒", "person"),
        ("送外卖的小哥在电梯口抽搐，嘴角歪着，旁边没人认识他", "person"),
        ("在楼下买个菜，一转身孙女就不见了，三岁，我到处喊", "person"),
        ("球场边那个大爷一直在出汗，跟他说话答非所问，脸色煞白", "person"),
        ("领鸡蛋的队伍太挤，前面一个老人被挤倒了，后面的还在推", "person"),
        ("我被人从外面反锁在地下室了，手机只剩一格电", "person"),
        ("两个男的在车库出口扭打在一起，一个满脸通红", "violence"),
        ("有个男的从公交站一直跟我到小区门口，我现在不敢回家", "violence"),
        ("a dog in the lobby is attacking kids, one got bitten and is bleeding", "violence"),
    ],
)
def test_a_person_in_danger_told_by_the_signs_is_a_hazard_now(text: str, family: str) -> None:
    assert family in _now(text)
    assert RULES.classify(text).urgency == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "夏天电梯里一点风都没有，闷得人喘不过气，能不能修一下空调",
        "房间朝西，下午太闷了透不过气，想问问能不能装遮阳棚",
    ],
)
def test_a_stuffy_room_takes_ones_breath_only_in_a_manner_of_speaking(text: str) -> None:
    assert "person" not in _now(text)
    assert RULES.classify(text).urgency != "urgent"


def test_a_stroke_that_is_over_is_no_emergency_now() -> None:
    assert "person" not in _now("我爸上个月中风，现在已经出院了，想问问小区能不能装扶手")


def test_someone_at_home_who_answers_neither_phone_nor_door_is_urgent() -> None:
    text = "我奶奶一个人住12栋，早上起就联系不上了，平常都会回我，麻烦你们的人去敲门看一下，她血压高"
    assert RULES.classify(text).urgency == "urgent"


def test_a_care_request_for_someday_is_not() -> None:
    text = "我爸一个人住，以后万一电话没人接，你们能不能帮忙去敲门看看，想先登记一下"
    assert RULES.classify(text).urgency != "urgent"


def test_a_faint_said_to_be_over_is_no_emergency_now() -> None:
    over = "前天健身房有个人晕倒，后来醒了，家里人接回去了"  # over: a risk, not a past event for review
    assert {h.modality for h in HAZARDS.find(RULES.normalized(over)) if h.family == "person"} == {"risk"}
    assert "person" in _now("健身房有个人刚刚晕倒了，叫不醒")


def test_money_taken_by_someone_who_vanished_is_no_missing_person() -> None:
    assert "person" not in _now("在群里团购，收了我五百块钱人就不见了")


@pytest.mark.parametrize(
    "text",
    [
        "昨晚车库有两个人打架，后来警察来把人带走了，想调一下监控",
        "前天楼下邻居吵架动手了，派出所来调解了，今天想问问物业怎么看",
    ],
)
def test_a_fight_whose_aftermath_is_told_is_over(text: str) -> None:
    assert {h.modality for h in HAZARDS.find(RULES.normalized(text)) if h.family == "violence"} == {"risk"}


def test_what_came_next_is_no_future_risk() -> None:
    # 以后 narrating what happened after (not "in the future"); 现在没 of someone still not back
    assert "person" in _now("他从单杠上摔下来以后就没起来，手脚没感觉")
    assert RULES.classify("我外婆有认知障碍，早上出去买菜，到现在没回来，电话也没带").urgency == "urgent"


def test_a_confused_elder_who_might_wander_off_someday_is_not_urgent() -> None:
    assert RULES.classify("我妈有轻度老年痴呆，万一哪天自己出门了，你们能不能帮忙留意").urgency != "urgent"
