"""Prometheus counters per channel and handler, read from the process registry (deltas)."""

from __future__ import annotations

from prometheus_client import REGISTRY

from bot.channels.gateway import Gateway


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_turn_counts_its_handler_and_channel(gateway: Gateway) -> None:
    handler = {"channel": "rest", "router": "demo", "handler": "demo_count"}
    calls, answered = value("jiuzhu_handler_calls_total", **handler), value(
        "jiuzhu_turns_total", channel="rest", outcome="answered"
    )
    timed = value("jiuzhu_handler_seconds_count", **handler)
    await gateway.handle("alice", "/count", "m-1")
    await gateway.handle("alice", "/count", "m-1")  # a duplicate runs no handler
    assert value("jiuzhu_handler_calls_total", **handler) == calls + 1
    assert value("jiuzhu_handler_seconds_count", **handler) == timed + 1
    assert value("jiuzhu_turns_total", channel="rest", outcome="answered") == answered + 1


async def test_a_failing_handler_is_counted_by_its_exception(gateway: Gateway) -> None:
    labels = {"channel": "rest", "router": "demo", "handler": "demo_boom",
              "error": "RuntimeError"}  # fmt: skip
    before = value("jiuzhu_handler_errors_total", **labels)
    await gateway.handle("alice", "/demo")
    await gateway.handle("alice", "boom")
    assert value("jiuzhu_handler_errors_total", **labels) == before + 1
    assert value("jiuzhu_turns_in_flight", channel="rest") == 0
