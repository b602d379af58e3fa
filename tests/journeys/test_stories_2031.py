"""The four story conversations again on :data:`REPLAY_DAY`, years after they were written.

Every date the dialogue and the demo data use comes from the injected clock, so the stories
must read the same on any day: this module reruns :mod:`tests.journeys.test_stories` with the
clock frozen at noon in Guangdong on 2031-06-01 (the demo data then reads as of 2030-11-01).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time

import pytest

from jiuzhu.clock import FrozenClock, today, use_clock
from tests.journeys.test_stories import (  # noqa: F401 (collected again, on the replay day)
    test_stories_b_and_c_two_houses_explained,
    test_story_a_from_greeting_to_happiness_list,
    test_story_d_visit_flag_then_application,
)

REPLAY_DAY = date(2031, 6, 1)


@pytest.fixture(autouse=True)
def _on_replay_day() -> Iterator[None]:
    # Autouse, so it runs before the ``app`` fixture writes the demo data from the date.
    with use_clock(FrozenClock(datetime.combine(REPLAY_DAY, time(4), UTC))):
        yield


def test_the_replay_runs_on_its_day() -> None:
    assert today() == REPLAY_DAY
