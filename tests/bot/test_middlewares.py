"""Throttling and the pause rule, with an injected clock instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable

from bot.channels.gateway import Gateway
from bot.middlewares.idle import IdleMiddleware
from bot.middlewares.throttling import ThrottlingMiddleware
from jiuzhu.clock import FrozenClock, now, use_clock
from templates import texts
from tests.bot.conftest import Demo, FakeClock, texts_of
from tests.bot.test_gateway import fsm

L10N = texts("bot")
MINUTE = 60.0


class TestThrottling:
    async def test_every_message_over_the_limit_is_answered_never_dropped(
        self, make_gateway: Callable[..., Gateway]
    ) -> None:
        clock = FakeClock()
        gateway = make_gateway(throttling=ThrottlingMiddleware(limit=3, window=10, clock=clock))
        for n in (1, 2, 3):
            assert texts_of(await gateway.handle("alice", "/count")) == [f"demo: count {n}"]
        assert texts_of(await gateway.handle("alice", "/count")) == [
            L10N.t("slow-down", seconds=10)
        ]
        clock.advance(4)
        for _ in range(8):  # the 10th message and later were dropped as "200 []"
            assert texts_of(await gateway.handle("alice", "/count")) == [
                L10N.t("slow-down", seconds=6)
            ]
        # Others are not slowed down by alice.
        assert texts_of(await gateway.handle("bob", "/count")) == ["demo: count 1"]
        # Throttled messages ran no handler: the count goes on from 3.
        clock.advance(6)
        assert texts_of(await gateway.handle("alice", "/count")) == ["demo: count 4"]

    async def test_throttled_input_does_not_touch_the_flow(
        self, make_gateway: Callable[..., Gateway]
    ) -> None:
        clock = FakeClock()
        gateway = make_gateway(throttling=ThrottlingMiddleware(limit=2, window=10, clock=clock))
        await gateway.handle("alice", "/demo")
        await gateway.handle("alice", "1")
        await gateway.handle("alice", "/cancel")  # throttled: the flow must survive it
        assert await fsm(gateway, "alice").get_state() == Demo.number.state
        clock.advance(10)
        assert texts_of(await gateway.handle("alice", "2")) == ["demo: got 1,2"]

    async def test_the_retry_a_throttled_reply_asks_for_is_handled(
        self, make_gateway: Callable[..., Gateway]
    ) -> None:
        # "Send it again" must not become the remembered answer to that message id.
        clock = FakeClock()
        gateway = make_gateway(throttling=ThrottlingMiddleware(limit=1, window=10, clock=clock))
        await gateway.handle("alice", "/count", "m-1")
        slow = await gateway.handle("alice", "/count", "m-2")
        assert texts_of(slow) == [L10N.t("slow-down", seconds=10)]
        clock.advance(10)
        assert texts_of(await gateway.handle("alice", "/count", "m-2")) == ["demo: count 2"]
        assert texts_of(await gateway.handle("alice", "/count", "m-2")) == ["demo: count 2"]


class TestIdle:
    def gateway(self, make_gateway: Callable[..., Gateway], clock: FakeClock) -> Gateway:
        return make_gateway(idle=IdleMiddleware(clock=clock))

    async def test_no_notice_before_thirty_minutes(self, make_gateway) -> None:
        clock = FakeClock()
        gateway = self.gateway(make_gateway, clock)
        await gateway.handle("alice", "/demo")
        await gateway.handle("alice", "1")
        clock.advance(29 * MINUTE)
        assert texts_of(await gateway.handle("alice", "2")) == ["demo: got 1,2"]

    async def test_unfinished_flow_with_data_resumes(self, make_gateway) -> None:
        clock = FakeClock()
        gateway = self.gateway(make_gateway, clock)
        await gateway.handle("alice", "/demo")
        await gateway.handle("alice", "1")
        clock.advance(31 * MINUTE)
        replies = await gateway.handle("alice", "2")
        assert texts_of(replies) == [L10N.t("idle-resume"), "demo: got 1,2"]

    async def test_flow_without_data_restarts(self, make_gateway) -> None:
        clock = FakeClock()
        gateway = self.gateway(make_gateway, clock)
        await gateway.handle("alice", "/demo")  # state set, nothing entered yet
        clock.advance(31 * MINUTE)
        replies = await gateway.handle("alice", "2")
        # Restarted: the number is no longer an answer to the flow.
        assert texts_of(replies) == [L10N.t("idle-restart"), "demo: text 2"]
        assert await fsm(gateway, "alice").get_state() is None

    async def test_flow_idle_for_a_day_restarts_and_forgets(self, make_gateway) -> None:
        clock = FakeClock()
        gateway = self.gateway(make_gateway, clock)
        await gateway.handle("alice", "/demo")
        await gateway.handle("alice", "1")
        clock.advance(25 * 60 * MINUTE)
        replies = await gateway.handle("alice", "/help")
        assert texts_of(replies) == [L10N.t("idle-restart"), L10N.t("help")]
        assert await fsm(gateway, "alice").get_data() == {}

    async def test_nothing_said_when_no_flow_was_running(self, make_gateway) -> None:
        clock = FakeClock()
        gateway = self.gateway(make_gateway, clock)
        await gateway.handle("alice", "/start")
        clock.advance(3 * 60 * MINUTE)
        assert texts_of(await gateway.handle("alice", "/help")) == [L10N.t("help")]

    async def test_resetting_commands_get_no_notice(self, make_gateway) -> None:
        clock = FakeClock()
        gateway = self.gateway(make_gateway, clock)
        await gateway.handle("alice", "/demo")
        await gateway.handle("alice", "1")
        clock.advance(31 * MINUTE)
        assert texts_of(await gateway.handle("alice", "/cancel")) == [L10N.t("cancelled")]

    async def test_resume_also_on_a_button(self, make_gateway) -> None:
        clock = FakeClock()
        gateway = self.gateway(make_gateway, clock)
        await gateway.handle("alice", "/demo")
        await gateway.handle("alice", "1")
        clock.advance(40 * MINUTE)
        replies = await gateway.handle("alice", "demo:skip")
        assert texts_of(replies)[0] == L10N.t("idle-resume")

    async def test_by_default_the_pause_is_read_on_the_injected_clock(self, make_gateway) -> None:
        with use_clock(FrozenClock(now())) as clock:
            gateway = make_gateway()  # build_dispatcher's own IdleMiddleware
            await gateway.handle("alice", "/demo")
            await gateway.handle("alice", "1")
            clock.advance(minutes=31)
            replies = await gateway.handle("alice", "2")
        assert texts_of(replies) == [L10N.t("idle-resume"), "demo: got 1,2"]
