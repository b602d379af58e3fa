"""Main-menu choices. Each handler is a placeholder the journey's own router replaces.

To replace one: write the journey's router (e.g. ``bot/routers/benefits.py`` handling
``MenuCb.filter(F.action == MenuAction.benefits)``), include it in
:func:`bot.routers.get_routers` before this router, and delete the placeholder here.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from bot.callbacks import MenuAction, MenuCb
from bot.keyboards.menu import menu_title
from templates import Texts

router = Router(name="menu")


async def _placeholder(callback: CallbackQuery, l10n: Texts, action: MenuAction) -> None:
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(
            l10n.t("menu-placeholder", choice=menu_title(l10n, action))
        )


@router.callback_query(MenuCb.filter(F.action == MenuAction.benefits))
async def menu_benefits(callback: CallbackQuery, l10n: Texts) -> None:
    """查看我的待遇: the happiness list (placeholder)."""
    await _placeholder(callback, l10n, MenuAction.benefits)


@router.callback_query(MenuCb.filter(F.action == MenuAction.apply))
async def menu_apply(callback: CallbackQuery, l10n: Texts) -> None:
    """申请/测算: consent, identity, pre-check (placeholder)."""
    await _placeholder(callback, l10n, MenuAction.apply)


@router.callback_query(MenuCb.filter(F.action == MenuAction.status))
async def menu_status(callback: CallbackQuery, l10n: Texts) -> None:
    """申请进度: application status and timeline (placeholder)."""
    await _placeholder(callback, l10n, MenuAction.status)


@router.callback_query(MenuCb.filter(F.action == MenuAction.policy))
async def menu_policy(callback: CallbackQuery, l10n: Texts) -> None:
    """政策咨询: policy questions (placeholder)."""
    await _placeholder(callback, l10n, MenuAction.policy)


@router.callback_query(MenuCb.filter(F.action == MenuAction.change))
async def menu_change(callback: CallbackQuery, l10n: Texts) -> None:
    """报告变化: report a life event (placeholder)."""
    await _placeholder(callback, l10n, MenuAction.change)


@router.callback_query(MenuCb.filter(F.action == MenuAction.human))
async def menu_human(callback: CallbackQuery, l10n: Texts) -> None:
    """转人工: open a case for a person (placeholder)."""
    await _placeholder(callback, l10n, MenuAction.human)
