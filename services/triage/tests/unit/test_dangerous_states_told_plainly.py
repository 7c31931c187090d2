"""Release 11 (docs/triage.md): states owners use for a danger in progress that the families did
not know — a live box (电表箱的门带电), a shove (推搡), a drunk at the wheel (喝多了要开车走), a car
rolling back (往后溜), a lift stuck half-way (停在半截), a tree leaning onto a balcony (歪到) — and
their twins that stay ordinary."""

from __future__ import annotations

import pytest
from rules_kit import RULES, now_families

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("2单元一楼电表箱的门带电，刚才我儿子碰了一下被弹开了", "electric"),
        ("停车场两个人为车位吵起来了，已经推搡上了", "violence"),
        ("东门有个司机喝多了要开车走，谁拦都不听", "vehicle"),
        ("地库坡道上一辆货车熄火了，车在往后溜", "vehicle"),
        ("3号楼电梯停在半截了，我妈在里面", "lift"),  # a weak state: someone inside
        ("楼下那棵大树整个歪到三楼阳台上了", "tree"),
    ],
)
def test_a_danger_in_progress_told_plainly(text: str, family: str) -> None:
    assert family in now_families(text)


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("听说有业主酒驾在小区门口被交警查了，能不能加强门口管理", "vehicle"),
        ("上个月3号楼电梯停在半截过一次，后来修好了，想问问多久保养一次", "lift"),
        ("电工说配电房今天要带电作业，提醒大家别靠近", "electric"),
        # the review's false alarms of the first version of these terms
        ("这个小区带电梯吗？楼道灯也要修一下", "electric"),
        ("这一带电压不稳，家里灯一闪一闪的", "electric"),
        ("电工带电换了个开关，挺快的", "electric"),
        ("喝了酒千万别开车", "vehicle"),
        ("他喝醉了没开车，是代驾开回来的", "vehicle"),
        ("我的电动车刹车失灵了，能帮忙修吗", "vehicle"),
        ("装修进度往后溜了一周", "vehicle"),
        ("车库门往下滑得很慢，能修一下吗", "vehicle"),
        ("电梯加装工程停在半截，都半年了没人管", "lift"),
        ("新种的小树苗歪到一边了", "tree"),
        ("保洁把井盖翻过来冲洗了一下", "pit"),
    ],
)
def test_the_ordinary_twins(text: str, family: str) -> None:
    assert family not in now_families(text)


def test_a_car_under_a_tree_is_the_vehicle_s() -> None:
    result = RULES.classify("车停在树下，倒车的时候压到了小孩")
    assert result.urgency == "urgent" and result.category == "security_order"
