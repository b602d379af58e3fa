"""The emergency words (``nlu/emergency_words.yml``) and the deletion request
(``nlu/lexicons.yml``), on phrasings of their own: Mandarin, Cantonese, English, plain
speech; each kind with look-alikes that must not fire (idioms, appliances, drills,
insurance, the news, events years back, long-standing illness)."""

from __future__ import annotations

import pytest

from nlu.emergency import emergency_kind
from nlu.lexicons import deletion_request

EMERGENCIES = [
    # fire
    ("隔壁厂房失火，火势蔓延到我们宿舍", "fire"),
    ("屋企间铺头烧咗，冇晒生计", "fire"),
    ("煤气罐爆炸，厨房全毁了", "fire"),
    ("房子烧得精光，只剩几件衣服", "fire"),
    ("The apartment caught fire and we got out with nothing", "fire"),
    ("A fire broke out in our building at 3 am", "fire"),
    # flood, typhoon, landslide
    ("暴雨冲垮了我们村的桥，屋里进了半米深的水", "flood"),
    ("屋企浸咗水，床褥全部湿晒", "flood"),
    ("山泥倾泻压住咗我屋企后面", "flood"),
    ("台风过后屋顶被掀走了一半", "flood"),
    ("Heavy rain flooded our ground floor last night", "flood"),
    ("The storm ripped the roof off our house", "flood"),
    # accident: traffic, work, a fall
    ("爸爸在建筑工地被钢管砸伤了头", "accident"),
    ("老婆骑电单车畀货车撞倒，断咗腿", "accident"),
    ("阿公喺楼梯度跌落嚟，送咗去医院", "accident"),
    ("我哥在厂里触电了", "accident"),
    ("My son fell off a scaffold at work and broke his leg", "accident"),
    ("my husband was knocked down by a van", "accident"),
    # illness: sudden, or taken into hospital now
    ("阿爷突然晕低，叫咗白车送院", "illness"),
    ("我老婆突然抽搐，现在在急诊", "illness"),
    ("细佬突发心肌梗塞，医生话要即刻搭桥", "illness"),
    ("外婆昏迷不醒，医院下了病危通知", "illness"),
    ("My daughter was rushed to hospital with a high fever", "illness"),
    ("Dad is unconscious in intensive care", "illness"),
    # death: sudden, today, or a funeral to pay for
    ("爸爸今朝突然断气，连寿衣都未买", "death"),
    ("我儿子突然没了", "death"),
    ("阿嫲冇啦啦过咗身，我哋手足无措", "death"),
    ("老公出车祸走了，丧事都办不起", "death"),
    ("My husband died in a car crash yesterday", "death"),
    ("we just lost our son and cannot pay for the funeral", "death"),
    # robbed: robbery, burglary, theft or fraud of the family's money
    ("今日喺地铁畀人扒咗银包，里面有三千蚊", "robbed"),
    ("老人家被人骗走了两万块养老钱", "robbed"),
    ("夜里有贼入屋，首饰现金全部偷晒", "robbed"),
    ("They stole my wallet with all the rent money", "robbed"),
    ("I was scammed out of my savings", "robbed"),
]

LOOK_ALIKES = [
    # fire
    "家里炒菜火太大，烧焦了锅",
    "小心火烛，唔好喺屋企烧嘢",
    "火警演习几点开始",
    "要是家里着火了怎么办",
    "热水炉成日点唔着火",
    "We have a fire drill on Friday",
    "does fire insurance cover the flat",
    # flood
    "今日落大雨，我冇带遮",
    "听日打风，要唔要返工",
    "电视上说广西发洪水了",
    "手机进水开唔到机",
    # accident
    "车险续保要带什么",
    "买意外险有冇用",
    "工伤认定要多久",
    "我儿子出了车祸，瘫痪了",  # the aftermath: a change to report
    "I deleted it by accident",
    # illness
    "阿妈糖尿病十几年",
    "我老公病了好久了",
    "我老婆住院了",  # a change to report (tests/journeys/test_offpath_family.py)
    "佢系急性子，讲嘢好快",
    "阿妈中风之后瞓喺床",
    "she works in the hospital canteen",
    # death
    "阿爸前年过身",
    "我外婆去世了",
    "我今天累死了",
    "工作突然没了，怎么办",
    "My grandfather passed away in 2015",
    "I'm dying to see my grandson",
    # robbed
    "Is this a scam?",
    "我怕被人骗",
    "以前喺街市俾人偷过银包",
    "电话诈骗怎么识别",
]


@pytest.mark.parametrize(("text", "kind"), EMERGENCIES)
def test_an_emergency_is_told_apart_by_kind(text: str, kind: str) -> None:
    assert emergency_kind(text) == kind


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_a_look_alike_is_not_an_emergency(text: str) -> None:
    assert emergency_kind(text) is None


def test_traditional_characters_are_normalised_first() -> None:
    assert emergency_kind("阿媽突然暈低，送咗入醫院") == "illness"


@pytest.mark.parametrize(
    ("text", "deletion"),
    [
        ("请把我所有的记录都删除", True),
        ("唔该刪除我嘅全部資料", True),
        ("我交过的证件照片麻烦销毁", True),
        ("唔好再保存我啲资料", True),
        ("帮我删晒啲嘢", True),
        ("Erase all my records please", True),
        ("Please remove my details from your database", True),
        ("I want you to forget everything about me", True),
        ("my documents should be deleted now", True),
        ("我想更正我的资料", False),
        ("帮我删除刚才填错的地址", False),
        ("我不要你们再打电话了", False),
        ("撤回授权", False),
        ("我的资料安全吗", False),
        ("I want to withdraw my authorisation", False),
        ("How long do you keep my information?", False),
    ],
)
def test_a_deletion_request_is_told_from_a_withdrawal(text: str, deletion: bool) -> None:
    assert bool(deletion_request().search(text)) is deletion
