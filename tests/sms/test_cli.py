"""``jiuzhu sms-worker --once`` drains the outbox of a real database in a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import SmsOutbox
from store.session import make_sync_engine
from tests.conftest import TEST_SECRET, migrated


def test_one_round_sends_the_queued_code_through_the_demo_sender(tmp_path: Path) -> None:
    settings = migrated("sqlite", tmp_path)
    engine = make_sync_engine(settings)
    # The process runs on the machine's clock: queued long ago, valid long after, so it is due
    # whatever the day.
    long_ago, far_off = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    with Session(engine) as session, session.begin():
        session.add(SmsOutbox(phone="13800441825", text="您的验证码是382910", purpose="otp",
                              params=json.dumps({"code": "382910"}), created_at=long_ago,
                              next_attempt_at=long_ago, expires_at=far_off))  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
    env |= {"JIUZHU_DATABASE_URL": settings.database_url, "JIUZHU_DATA_DIR": str(tmp_path),
            "JIUZHU_SECRET_KEY": TEST_SECRET}  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "jiuzhu", "sms-worker", "--once"], env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "sent 1, retrying 0, failed 0, expired 0"
    assert "otp sent to 138****1825" in result.stderr
    assert "13800441825" not in result.stderr and "382910" not in result.stderr
    with engine.connect() as conn:
        status, text = conn.execute(select(SmsOutbox.status, SmsOutbox.text)).one()
    engine.dispose()
    assert (status, text) == ("sent", "")
