"""The batch decides with the chat's rules: its arrays give what the per-family path gives.

Every member of every demo family consents, each family is pre-checked one at a time by
:func:`eligibility.precheck.run_precheck` (the chat's database path), and the batch's one
evaluation over the columns (:mod:`batch.columns` → :mod:`batch.arrays` →
:func:`eligibility.service.simulate`) must give each family the same statuses, amounts and
per-capita income, at the test clock's month.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import select

from batch.arrays import Selection, build
from batch.columns import Reader
from eligibility.precheck import run_precheck
from eligibility.result import PROGRAMS
from eligibility.service import simulate
from jiuzhu import clock
from store.demo.generator import generate
from store.models import Consent, Family, Person
from store.session import make_sync_engine

PERIOD = f"{clock.today():%Y-%m}"


@pytest.fixture
def demo(db_settings):
    engine = make_sync_engine(db_settings)
    with engine.connect() as conn:
        generate(conn, families=60, seed=5)
    with engine.begin() as conn:
        now = clock.now()
        for (pid,) in conn.execute(select(Person.id)):
            conn.execute(Consent.__table__.insert().values(
                person_id=pid, text_version="test", text_sha256="0" * 64, channel="office",
                granted_by="self", granted_at=now - timedelta(days=1),
                expires_at=now + timedelta(days=365)))  # fmt: skip
    engine.dispose()
    return db_settings


async def test_batch_arrays_decide_as_the_per_family_path(demo, sessionmaker) -> None:
    async with sessionmaker() as session:
        ids = list(await session.scalars(select(Family.id).order_by(Family.id)))
        chat = [(await run_precheck(session, fid, PERIOD, actor="test")).result for fid in ids]
    part = Reader(demo.sync_database_url).read()
    assert part.families["id"].tolist() == ids
    batch = simulate(build(part, Selection.of(part, np.arange(len(ids))), PERIOD))
    for code in PROGRAMS:
        assert batch.status_names(code).tolist() == [r.programs[code].status for r in chat], code
    assert np.allclose(batch.family["per_capita_income"],
                       [r.per_capita_income for r in chat], atol=0.01)  # fmt: skip
    paid = [r.programs["dibao"].monthly_amount or 0.0 for r in chat]
    assert np.allclose(batch.family["dibao_amount"], paid, atol=0.01)
