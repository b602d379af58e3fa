"""Names of the kinds the input may use (income, vehicles, businesses), with Chinese labels.

Which kinds count is a rule and lives in the variables (``variables/income.py``,
``variables/property.py``); this module only lists the accepted names, so the input model
can reject unknown ones with a message naming them.
"""

#: income kind -> label. Sources: 审核确认办法 art. 13 [V]; 特困人员认定办法 [V].
INCOME_KINDS: dict[str, str] = {
    "wage": "工资性收入（扣除必要就业成本后）",
    "business": "经营净收入",
    "property": "财产净收入",
    "transfer": "转移净收入",
    "pension_basic_resident": "城乡居民基本养老保险基础养老金",
    "insurance_benefit": "保险金",
    "special_care": "优待抚恤金",
    "family_planning_award": "计划生育奖励与扶助金",
    "scholarship": "奖学金",
    "bravery_award": "见义勇为奖励",
    "social_assistance": "社会救助金",
    "old_age_allowance": "高龄津贴",
}

#: vehicle kind -> label. Source: 粤府办〔2022〕3号 [3P].
VEHICLE_KINDS: dict[str, str] = {
    "car": "小汽车",
    "truck": "货车",
    "van": "面包车 / 客车",
    "motorcycle": "燃油摩托车",
    "e_bike": "电动自行车",
    "disabled_mobility": "残疾人功能性补偿代步车",
}

#: business registration kind -> label. Source: 粤府办〔2022〕3号 [3P].
BUSINESS_KINDS: dict[str, str] = {
    "micro": "个体工商户（夫妻小店等微型经营）",
    "individual": "个体工商户",
    "company": "公司 / 企业",
    "cooperative": "农民专业合作社",
}

#: income deduction -> label (``Member.deductions``; variables ``deduction_<name>``).
#: Source: 审核确认办法 art. 13 [V].
DEDUCTION_KINDS: dict[str, str] = {
    "disability_costs": "因残疾增加的刚性支出",
    "illness_costs": "因患重病增加的刚性支出",
    "employment_costs": "必要的就业成本",
}
