"""Guangdong's 21 prefectures for synthetic data: population weight, urban share, counties.

Population (millions) and urbanisation are rounded 2020 census figures (广东省第七次全国人口
普查公报); county codes are the administrative division codes (GB/T 2260). Used only to make
demo data look like the province; the rules never read this table. Standard tiers come from the
rules' parameters (:mod:`store.demo.rules`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Prefecture:
    """One prefecture-level city: ``code`` is its 4-digit prefix (``4401``)."""

    code: str
    name: str
    population_m: float
    urban_share: float
    counties: tuple[str, ...]


PREFECTURES: tuple[Prefecture, ...] = (
    Prefecture("4401", "广州", 18.7, 0.86, ("440103", "440104", "440106", "440111", "440112", "440113", "440114", "440117")),
    Prefecture("4402", "韶关", 2.9, 0.57, ("440203", "440204", "440205", "440222", "440224", "440229", "440232", "440281", "440282")),
    Prefecture("4403", "深圳", 17.6, 0.99, ("440303", "440304", "440305", "440306", "440307")),
    Prefecture("4404", "珠海", 2.4, 0.90, ("440402", "440403", "440404")),
    Prefecture("4405", "汕头", 5.5, 0.70, ("440507", "440511", "440513", "440514", "440515", "440523")),
    Prefecture("4406", "佛山", 9.5, 0.95, ("440604", "440605", "440606", "440607", "440608")),
    Prefecture("4407", "江门", 4.8, 0.67, ("440703", "440704", "440705", "440781", "440783", "440784", "440785")),
    Prefecture("4408", "湛江", 7.0, 0.46, ("440802", "440803", "440811", "440823", "440825", "440881", "440882", "440883")),
    Prefecture("4409", "茂名", 6.2, 0.44, ("440902", "440904", "440981", "440982", "440983")),
    Prefecture("4412", "肇庆", 4.1, 0.50, ("441202", "441203", "441204", "441223", "441224", "441225", "441226", "441284")),
    Prefecture("4413", "惠州", 6.0, 0.72, ("441302", "441303", "441322", "441323", "441324")),
    Prefecture("4414", "梅州", 3.9, 0.52, ("441402", "441403", "441422", "441423", "441424", "441426", "441427", "441481")),
    Prefecture("4415", "汕尾", 2.7, 0.56, ("441502", "441521", "441523", "441581")),
    Prefecture("4416", "河源", 2.8, 0.50, ("441602", "441621", "441622", "441623", "441624", "441625")),
    Prefecture("4417", "阳江", 2.6, 0.55, ("441702", "441704", "441721", "441781")),
    Prefecture("4418", "清远", 4.0, 0.55, ("441802", "441803", "441821", "441823", "441825", "441826", "441881", "441882")),
    Prefecture("4419", "东莞", 10.5, 0.92, ("441900",)),
    Prefecture("4420", "中山", 4.4, 0.87, ("442000",)),
    Prefecture("4451", "潮州", 2.6, 0.65, ("445102", "445103", "445122")),
    Prefecture("4452", "揭阳", 5.6, 0.52, ("445202", "445203", "445222", "445224", "445281")),
    Prefecture("4453", "云浮", 2.4, 0.44, ("445302", "445303", "445321", "445322", "445381")),
)  # fmt: skip
