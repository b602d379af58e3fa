"""Guangdong region codes and names: the 21 prefectures and the counties jiuzhu's stories name.

Codes are the 6-digit administrative division codes (GB/T 2260) that open a resident ID
number. A county code ``44xxyy`` belongs to prefecture ``44xx00``. The table is reference data
for people (chat, documents, NLU); which standard applies where is a rule and lives in
``eligibility/parameters/dibao/standard/`` (tier map and local figures).

Source of the names and codes: 民政部《中华人民共和国行政区划代码》(GB/T 2260, 2023 edition);
tier membership: ``../shared/domain/RULES.md`` § "Dibao standard floors".
"""

from __future__ import annotations

import re

#: prefecture code (4 digits) -> Chinese name
PREFECTURES: dict[str, str] = {
    "4401": "广州市",
    "4402": "韶关市",
    "4403": "深圳市",
    "4404": "珠海市",
    "4405": "汕头市",
    "4406": "佛山市",
    "4407": "江门市",
    "4408": "湛江市",
    "4409": "茂名市",
    "4412": "肇庆市",
    "4413": "惠州市",
    "4414": "梅州市",
    "4415": "汕尾市",
    "4416": "河源市",
    "4417": "阳江市",
    "4418": "清远市",
    "4419": "东莞市",
    "4420": "中山市",
    "4451": "潮州市",
    "4452": "揭阳市",
    "4453": "云浮市",
}

#: county-level code (6 digits) -> Chinese name: Guangdong's 122 county-level divisions
#: (GB/T 2260 administrative division codes, the code that opens a resident ID number).
COUNTIES: dict[str, str] = {
    "440103": "荔湾区",
    "440104": "越秀区",
    "440105": "海珠区",
    "440106": "天河区",
    "440111": "白云区",
    "440112": "黄埔区",
    "440113": "番禺区",
    "440114": "花都区",
    "440115": "南沙区",
    "440117": "从化区",
    "440118": "增城区",
    "440203": "武江区",
    "440204": "浈江区",
    "440205": "曲江区",
    "440222": "始兴县",
    "440224": "仁化县",
    "440229": "翁源县",
    "440232": "乳源瑶族自治县",
    "440233": "新丰县",
    "440281": "乐昌市",
    "440282": "南雄市",
    "440303": "罗湖区",
    "440304": "福田区",
    "440305": "南山区",
    "440306": "宝安区",
    "440307": "龙岗区",
    "440308": "盐田区",
    "440309": "龙华区",
    "440310": "坪山区",
    "440311": "光明区",
    "440402": "香洲区",
    "440403": "斗门区",
    "440404": "金湾区",
    "440507": "龙湖区",
    "440511": "金平区",
    "440512": "濠江区",
    "440513": "潮阳区",
    "440514": "潮南区",
    "440515": "澄海区",
    "440523": "南澳县",
    "440604": "禅城区",
    "440605": "南海区",
    "440606": "顺德区",
    "440607": "三水区",
    "440608": "高明区",
    "440703": "蓬江区",
    "440704": "江海区",
    "440705": "新会区",
    "440781": "台山市",
    "440783": "开平市",
    "440784": "鹤山市",
    "440785": "恩平市",
    "440802": "赤坎区",
    "440803": "霞山区",
    "440804": "坡头区",
    "440811": "麻章区",
    "440823": "遂溪县",
    "440825": "徐闻县",
    "440881": "廉江市",
    "440882": "雷州市",
    "440883": "吴川市",
    "440902": "茂南区",
    "440904": "电白区",
    "440981": "高州市",
    "440982": "化州市",
    "440983": "信宜市",
    "441202": "端州区",
    "441203": "鼎湖区",
    "441204": "高要区",
    "441223": "广宁县",
    "441224": "怀集县",
    "441225": "封开县",
    "441226": "德庆县",
    "441284": "四会市",
    "441302": "惠城区",
    "441303": "惠阳区",
    "441322": "博罗县",
    "441323": "惠东县",
    "441324": "龙门县",
    "441402": "梅江区",
    "441403": "梅县区",
    "441422": "大埔县",
    "441423": "丰顺县",
    "441424": "五华县",
    "441426": "平远县",
    "441427": "蕉岭县",
    "441481": "兴宁市",
    "441502": "汕尾市城区",
    "441521": "海丰县",
    "441523": "陆河县",
    "441581": "陆丰市",
    "441602": "源城区",
    "441621": "紫金县",
    "441622": "龙川县",
    "441623": "连平县",
    "441624": "和平县",
    "441625": "东源县",
    "441702": "江城区",
    "441704": "阳东区",
    "441721": "阳西县",
    "441781": "阳春市",
    "441802": "清城区",
    "441803": "清新区",
    "441821": "佛冈县",
    "441823": "阳山县",
    "441825": "连山壮族瑶族自治县",
    "441826": "连南瑶族自治县",
    "441881": "英德市",
    "441882": "连州市",
    "445102": "湘桥区",
    "445103": "潮安区",
    "445122": "饶平县",
    "445202": "榕城区",
    "445203": "揭东区",
    "445222": "揭西县",
    "445224": "惠来县",
    "445281": "普宁市",
    "445302": "云城区",
    "445303": "云安区",
    "445321": "新兴县",
    "445322": "郁南县",
    "445381": "罗定市",
}

_CODE = re.compile(r"44[0-9]{4}")  # fullmatch, ASCII digits (not "４４０１０６")


def is_guangdong_code(code: str) -> bool:
    """True when ``code`` is six digits, starts 44 and names one of the 21 prefectures."""
    return bool(_CODE.fullmatch(code)) and code[:4] in PREFECTURES


def prefecture_code(code: str) -> str:
    """The 6-digit prefecture code of a county code: ``"441825"`` -> ``"441800"``."""
    return code[:4] + "00"


def region_name(code: str) -> str:
    """A person-readable name: ``"441825"`` -> ``"清远市连山壮族瑶族自治县"``.

    A county missing from :data:`COUNTIES` is shown as its prefecture plus the code.

    :raises KeyError: when the code is not a Guangdong prefecture or county code.
    """
    if not is_guangdong_code(code):
        msg = f"not a Guangdong region code: {code!r}"
        raise KeyError(msg)
    prefecture = PREFECTURES[code[:4]]
    if code.endswith("00"):
        return prefecture
    county = COUNTIES.get(code)
    return prefecture + county if county else f"{prefecture}（{code}）"
