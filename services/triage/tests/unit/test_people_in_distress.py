"""Release 10 (docs/triage.md): a person in danger told by the signs, not by a diagnosis or the
word 急救 — breath, chest, a stroke's face and speech, a goodbye message, a fall to the floor, a
child or a confused elder gone, a baby shut in a car, a man following someone home; and the
figurative twins that stay ordinary (电梯里闷得喘不过气)."""

from __future__ import annotations

import pytest
from rules_kit import HAZARDS, RULES, now_families

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("我妈在客厅沙发上突然喘不过气来，脸都白了，8栋1102", "person"),
        ("楼下老李坐在台阶上捂着胸口疼得直冒汗，叫他也说不出几个字", "person"),
        ("我爷爷吃着吃着饭说话含糊了，左手也抬不起来", "person"),
        ("隔壁小伙子在群里说他吃了一整瓶安眠药，人就联系不上了", "person"),
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
        ("a dog in the lobby is attacking kids, one got bitten and is bleeding", "violence"),
    ],
)
def test_a_person_in_danger_told_by_the_signs_is_a_hazard_now(text: str, family: str) -> None:
    assert family in now_families(text)
    assert RULES.classify(text).urgency == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "夏天电梯里一点风都没有，闷得人喘不过气，能不能修一下空调",
        "房间朝西，下午闷得透不过气，想问问能不能装遮阳棚",
    ],
)
def test_a_stuffy_room_takes_ones_breath_only_in_a_manner_of_speaking(text: str) -> None:
    assert "person" not in now_families(text)
    assert RULES.classify(text).urgency != "urgent"


def test_a_stroke_that_is_over_is_no_emergency_now() -> None:
    text = "我爸上个月中风了，现在已经出院了，想问问小区能不能装扶手"
    assert "person" not in now_families(text)
    assert RULES.classify(text).urgency != "urgent"


def test_someone_at_home_who_answers_neither_phone_nor_door_is_urgent() -> None:
    text = "我奶奶一个人住12栋，早上起就联系不上了，平常都会回我，麻烦你们的人去敲门看一下，她血压高"
    assert RULES.classify(text).urgency == "urgent"


def test_a_care_request_for_someday_is_not() -> None:
    text = "我爸一个人住，以后万一电话没人接，你们能不能帮忙去敲门看看，想先登记一下"
    assert RULES.classify(text).urgency != "urgent"


def test_a_faint_said_to_be_over_is_no_emergency_now() -> None:
    over = "前天健身房有个人晕倒，后来醒了，家里人接回去了"  # over: a risk, not a past event for review
    assert {h.modality for h in HAZARDS.find(RULES.normalized(over)) if h.family == "person"} == {"risk"}
    assert "person" in now_families("健身房有个人刚刚晕倒了，叫不醒")


@pytest.mark.parametrize(
    "text",
    [
        "客服一直跟我说马上派人修，到现在也没修好",
        "保安跟我到车库看了，说监控坏了",
        "业主们在群里喊着要打官司",
        "楼道灯坏了一个月，晚上都不敢上楼",
        "装修太吵了，下班都不敢回家",
        "电梯坏了，只能让儿子过来接我",
        "配电箱里的电线扭在一起",
        "压得我喘不过气",
        "这噪音再吵下去我真活不下去了",
        "我爸中风好几年了，电梯坏了下不了楼",
        "我妈有低血糖，想问问小区有没有便利店",
        "我车钥匙锁车里了",
        "垃圾房的门从外面锁上了",
        "绿化带被人踩踏得不成样子",
        "快递箱被人划开一个口子",
        "打电话给物业都找不到人了",
        "道闸不开，喊了半天没人听见",
        "吵得我每天吃了安眠药都睡不着",
        "暖气不热，冻得手脚没感觉",
        "the radiators need bleeding",
        "the bill nearly gave me a heart attack",
        "my mom fainted yesterday, she is fine now",
        "楼上漏水，我爸去敲门没人应，能不能帮忙联系业主",
        "我奶奶家的水表坏了，打电话没人接，麻烦派人去看看",
        "我爸失智，护工带他出门了遛弯，小区路灯太暗",
        "在群里团购，收了我五百块钱人就不见了",
    ],
)
def test_everyday_talk_that_borrows_the_words_of_distress_is_no_emergency(text: str) -> None:
    assert RULES.classify(text).urgency != "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "我爸昨天晚上摔倒了，到现在叫不醒，不知道有没有大碍",  # a question is no "it's over"
        "昨天下午孩子不见了，监控看到被一个男的带走了",  # taken away by a man, not by the police
        "家里太闷了，我妈哮喘犯了喘不过气，药找不到",  # a stuffy room does not excuse an attack
        "摔下来以后，就一直躺着不动",
        "晚上十点以后车库里有两个人在打架",
    ],
)
def test_what_only_looks_like_an_ending_or_a_figure_of_speech_stays_urgent(text: str) -> None:
    assert RULES.classify(text).urgency == "urgent"


def test_nothing_wrong_now_is_over_in_any_dialect() -> None:
    # 而家冇事 (Cantonese) normalises to 现在没有事: 现在没(有) + 事 ends the danger
    text = "花园那个井盖上个月不见了，后来换了个新的，而家冇事"
    assert "pit" not in now_families(text)


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
    assert "person" in now_families("他从单杠上摔下来以后就没起来，手脚没感觉")
    assert RULES.classify("我外婆有认知障碍，早上出去买菜，到现在没回来，电话也没带").urgency == "urgent"


def test_a_confused_elder_who_might_wander_off_someday_is_not_urgent() -> None:
    assert RULES.classify("我妈有轻度老年痴呆，万一哪天自己出门了，你们能不能帮忙留意").urgency != "urgent"


def test_a_stranger_following_someone_who_is_afraid_is_urgent() -> None:
    result = RULES.classify("有个男的从公交站一直跟我到小区门口，我现在不敢回家")
    assert result.urgency == "urgent"
    assert RULES.classify("有个男的从公交站一直跟我到小区门口，原来是新来的快递员").urgency != "urgent"


def test_a_past_cue_at_the_start_of_a_long_sentence_dates_its_event() -> None:
    text = "前天晚上九点多我下班回来的时候看到地库B区有两个男的打架，后来保安过来把他们劝开了，想调下监控"
    assert {h.modality for h in HAZARDS.find(RULES.normalized(text)) if h.family == "violence"} == {"risk"}
    # a new sentence that starts now is not dated by the one before it
    assert "violence" in now_families("前天就跟你们说过楼下那家人脾气不好。两个男的在楼下打架，一个拿着棍子")
