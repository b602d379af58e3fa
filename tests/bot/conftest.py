"""Fixtures: the real Dispatcher behind a Gateway, plus a small demo journey to exercise it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, Message
from aiogram.types import InlineKeyboardMarkup as Markup

from bot.callbacks import MenuCb
from bot.channels.gateway import Gateway, chat_id_of
from bot.dispatcher import build_dispatcher
from jiuzhu.errors import InvalidInput

MASKED = "覃**（本人）：身份证 4418**********002X\n手机 138****5678\n\n每月合计：817 元"


class Demo(StatesGroup):
    number = State()


class FakeClock:
    """Seconds that move only when a test says so."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_demo_router(log: list[str]) -> Router:
    """A tiny journey: a flow with a state, errors, an edit, a document, a slow command."""
    router = Router(name="demo")

    @router.message(Command("demo"))
    async def demo_start(message: Message, state: FSMContext) -> None:
        await state.set_state(Demo.number)
        skip = InlineKeyboardButton(text="跳过", callback_data="demo:skip")
        markup = Markup(inline_keyboard=[[skip]])
        await message.answer("demo: a number please", reply_markup=markup)

    @router.message(Demo.number, F.text == "bad")
    async def demo_bad(message: Message) -> None:
        raise InvalidInput("请输入数字")

    @router.message(Demo.number, F.text == "boom")
    async def demo_boom(message: Message) -> None:
        raise RuntimeError("handler bug")

    @router.message(Demo.number, F.text.regexp(r"^\d+$"))
    async def demo_number(message: Message, state: FSMContext) -> None:
        data = await state.get_data()
        numbers = [*data.get("numbers", []), message.text]
        await state.update_data(numbers=numbers)
        await message.answer(f"demo: got {','.join(numbers)}")

    @router.callback_query(F.data == "demo:skip")
    async def demo_skip(callback: CallbackQuery) -> None:
        await callback.answer("skipped")
        assert isinstance(callback.message, Message)
        await callback.message.edit_text(f"demo: skipped (was {callback.message.text})")

    @router.message(Command("doc"))
    async def demo_doc(message: Message) -> None:
        await message.answer_document(
            BufferedInputFile(b"%PDF-1.4 demo", filename="幸福清单.pdf"), caption="demo: doc"
        )

    @router.message(Command("count"))
    async def demo_count(message: Message, state: FSMContext) -> None:
        count = (await state.get_data()).get("count", 0) + 1
        await state.update_data(count=count)
        await message.answer(f"demo: count {count}")

    @router.message(Command("slow"))
    async def demo_slow(message: Message, command: CommandObject) -> None:
        await asyncio.sleep(float(command.args or 0))
        log.append(command.args or "")
        await message.answer(f"demo: slow {command.args}")

    @router.message(Command("service"))
    async def demo_service(message: Message, greeter: Callable[[], str]) -> None:
        await message.answer(greeter())

    @router.message(Command("meta"))
    async def demo_meta(message: Message, metadata: dict[str, Any]) -> None:
        await message.answer(f"demo: language {metadata.get('language')}")

    @router.message(Command("masked"))
    async def demo_masked(message: Message) -> None:
        # Masked as store/pii.py masks: a name, an ID number, a phone; two paragraphs.
        await message.answer(MASKED)

    @router.message(Command("tell"))
    async def demo_tell(message: Message, bot: Bot, command: CommandObject) -> None:
        await bot.send_message(chat_id_of(command.args or "", "rest"), "demo: a note for you")
        await message.answer("demo: told")

    # Catch-alls, so these tests see the seam and not whatever the journeys answer.
    @router.callback_query(MenuCb.filter())
    async def demo_menu(callback: CallbackQuery, callback_data: MenuCb) -> None:
        await callback.answer()
        assert isinstance(callback.message, Message)
        await callback.message.answer(f"demo: menu {callback_data.action.value}")

    @router.callback_query()
    async def demo_any_button(callback: CallbackQuery) -> None:
        await callback.answer()
        assert isinstance(callback.message, Message)
        await callback.message.answer(f"demo: button {callback.data}")

    @router.message()
    async def demo_any_text(message: Message) -> None:
        await message.answer(f"demo: text {message.text}")

    return router


@pytest.fixture
def handled() -> list[str]:
    return []


@pytest.fixture
def make_gateway(handled: list[str]) -> Callable[..., Gateway]:
    """Build a Gateway over a fresh Dispatcher with the demo journey; ``gateway`` holds the
    Gateway's keywords (locks, delivered), the rest go to ``build_dispatcher`` (storage,
    throttling, idle, workflow data)."""

    def make(gateway: dict[str, Any] | None = None, **kwargs: Any) -> Gateway:
        kwargs.setdefault("greeter", lambda: "demo: hello from a service")
        dp = build_dispatcher(extra_routers=[make_demo_router(handled)], **kwargs)
        return Gateway(dp, channel="rest", **(gateway or {}))

    return make


@pytest.fixture
def gateway(make_gateway: Callable[..., Gateway]) -> Gateway:
    return make_gateway()


@pytest.fixture
async def base(gateway: Gateway) -> AsyncIterator[str]:
    """The REST app over ``gateway`` on loopback; its base URL."""
    from tests.bot.test_rest import serving

    async with serving(gateway) as url:
        yield url


def texts_of(replies: list[Any]) -> list[str]:
    return [r["text"] for r in replies]
