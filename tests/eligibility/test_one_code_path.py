"""One code path: the chat's database path, the what-if CLI and the batch give one answer.

The audit's supporter family (issue 13) is built in the database: a mother aged 70 and her son
aged 40 with a grade-3 intellectual disability, no property; the mother draws the basic
resident pension (exempt from 特困 and dibao income). ``run_precheck`` (the chat), ``jiuzhu
precheck --situation F --json`` on the same family dumped as JSON (a real process) and
``service.simulate`` over several families at once (the stories and this family) must agree
program by program.
"""

from __future__ import annotations

import json
import math
import subprocess
from datetime import date

from eligibility import service
from eligibility.policy import dibao_standard
from eligibility.precheck import build_situation, load_family, run_precheck
from jiuzhu import clock
from store.consent import grant_consent
from store.crypto import vault
from store.models import DisabilityCertificate, Family, FamilyMember, IncomeRecord, Person
from store.pii import id_check_character
from store.session import transaction
from tests.eligibility.stories import story_a, story_b, story_c, story_d
from tests.eligibility.test_cli import JIUZHU

PERIOD = f"{clock.today():%Y-%m}"
YEAR = clock.today().year
REGION = "440106"  # 广州天河, urban


def _person(id17: str, born: date, sex: str) -> Person:
    number = id17 + id_check_character(id17)
    return Person(id_number=number, id_number_hash=vault().lookup_hash("id_number", number),
                  name="测试", phone=None, birth_date=born, sex=sex)  # fmt: skip


async def _supporter_family(sessionmaker) -> int:
    """Mother born 1 March, 70 years before this year; son 40, intellectual grade 3."""
    async with transaction(sessionmaker) as session:
        mother = _person(f"440106{YEAR - 70}0301002", date(YEAR - 70, 3, 1), "F")
        son = _person(f"440106{YEAR - 40}0301001", date(YEAR - 40, 3, 1), "M")
        family = Family(region_code=REGION, area="urban")
        session.add_all([mother, son, family])
        await session.flush()
        session.add_all([
            FamilyMember(family_id=family.id, person_id=mother.id, relation="applicant"),
            FamilyMember(family_id=family.id, person_id=son.id, relation="child"),
            DisabilityCertificate(person_id=son.id, category="intellectual", grade=3),
            IncomeRecord(person_id=mother.id, kind="pension_basic_resident",
                         monthly_amount=200, month_from="2020-01", month_to=None),
        ])  # fmt: skip
        await session.flush()
        for person in (mother, son):
            await grant_consent(session, person.id, text_version="v1", text_sha256="0" * 64,
                                channel="test")  # fmt: skip
        return family.id


def _programs(result) -> dict[str, tuple]:
    data = result if isinstance(result, dict) else result.to_json_dict()
    return {code: (p["status"], p["monthly_amount"], p["members"])
            for code, p in data["programs"].items()}  # fmt: skip


async def test_chat_cli_and_batch_agree_on_the_supporter_family(sessionmaker, tmp_path) -> None:
    family_id = await _supporter_family(sessionmaker)
    async with transaction(sessionmaker) as session:
        chat = (await run_precheck(session, family_id, PERIOD, actor="test")).result
        family = await load_family(session, family_id)
        situation, _ = await build_situation(session, family, PERIOD, actor="test",
                                             purpose="precheck")  # fmt: skip

    path = tmp_path / "family.json"
    path.write_text(json.dumps(situation.model_dump(mode="json")), encoding="utf-8")
    done = subprocess.run([*JIUZHU, "precheck", "--situation", str(path), "--json"],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    cli = json.loads(done.stdout)

    others = [
        s.model_copy(update={"period": PERIOD})
        for s in (story_a(PERIOD), story_b(PERIOD), story_c(PERIOD), story_d(PERIOD))
    ]
    batch = service.simulate(service.situations_to_arrays([*others[:2], situation, *others[2:]]))
    batch_result = batch.result(2)

    assert _programs(chat) == _programs(cli) == _programs(batch_result)

    # By hand (RULES.md 特困): the mother is ≥ 60, the son has intellectual grade 3 ≤ 3: both
    # unable to work; neither is a supporter (she is not 18–59, he is unable); own income:
    # the pension (200) is exempt → 0 < standard. Each gets ⌈1.6 × standard⌉.
    standard, _ = dibao_standard(REGION, "urban", PERIOD)
    each = math.ceil(round(1.6 * standard, 6))  # Guangzhou 1238 → 1980.8 → 1981
    status, amount, members = _programs(chat)["tekun"]
    assert status == "eligible"
    assert amount == 2 * each
    assert sorted(members) == sorted(f"p{m.person_id}" for m in family.members)
    # per-capita dibao income: the exempt pension counts 0 → dibao at the full standard × 2
    assert chat.per_capita_income == 0
    assert _programs(chat)["dibao"][:2] == ("eligible", 2 * standard)
