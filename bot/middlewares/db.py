"""One database session per update, committed before anything is shown.

The rule is that nothing is shown before the audit row of the reads behind it is
committed: every Bot API call made while an update is handled first commits what the
update wrote so far — department reads and their audit rows, consents, attempts, pre-check
results. If that commit fails, the call is not made: :class:`NotSaved` is raised, the
conversation's FSM state and data go back to what they were after the last reply that was
shown, and the error router apologises. An update that fails with an unexpected error is
rolled back the same way (a database error anywhere in it is :class:`NotSaved` too); one
that ends in an expected :class:`~jiuzhu.errors.JiuzhuError` (a refused read) keeps its
audit rows.

The sender's keyed hash is put in handler data too, for cases, transcripts and limits.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.fsm.context import FSMContext
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, User
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jiuzhu.errors import JiuzhuError
from store.crypto import vault

log = logging.getLogger(__name__)


class NotSaved(JiuzhuError):
    """The update's writes could not be committed, so nothing that depends on them is shown."""

    def __init__(self) -> None:
        super().__init__("the database did not accept this update's writes")


def sender_hash(user_id: int) -> str:
    """The keyed hash that stands for a chat sender in cases, transcripts and rate limits."""
    return vault().lookup_hash("sender", str(user_id))


@dataclass
class _Snapshot:
    state: str | None
    data: dict[str, Any]


class _UpdateTransaction:
    """The session of the update being handled and the FSM as of the last reply shown."""

    def __init__(self, session: AsyncSession, state: FSMContext | None) -> None:
        self.session = session
        self.state = state
        self.shown: _Snapshot | None = None

    async def remember_state(self) -> None:
        if self.state is not None:
            self.shown = _Snapshot(await self.state.get_state(), await self.state.get_data())

    async def restore_state(self) -> None:
        if self.state is not None and self.shown is not None:
            await self.state.set_state(self.shown.state)
            await self.state.set_data(self.shown.data)

    async def commit(self) -> None:
        """Commit (also a read-only transaction: on SQLite it holds the write lock).

        :raises NotSaved: the commit failed; the session is rolled back.
        """
        if self.session.in_transaction():
            try:
                await self.session.commit()
            except Exception as e:
                await self.session.rollback()
                # No exception text: a driver's message may quote the rejected values.
                log.error("commit failed (%s); nothing of this update is shown", type(e).__name__)
                raise NotSaved from e
        await self.remember_state()


    async def commit_or_restore(self) -> None:
        """:meth:`commit`; when it fails, the FSM goes back to the last reply shown.

        :raises NotSaved: as :meth:`commit`.
        """
        try:
            await self.commit()
        except NotSaved:
            await self.restore_state()
            raise


_current: ContextVar[_UpdateTransaction | None] = ContextVar("jiuzhu_update_tx", default=None)


class CommitBeforeShowing(BaseRequestMiddleware):
    """A Bot API request middleware: commit the update's writes before each call goes out."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        tx = _current.get()
        if tx is not None:
            await tx.commit()
        return await make_request(bot, method)


def install_once(bot: Bot, middleware: BaseRequestMiddleware) -> None:
    """Put a request middleware on ``bot``'s session unless one of its type is there."""
    if not any(isinstance(m, type(middleware)) for m in bot.session.middleware):
        bot.session.middleware(middleware)


class DbSessionMiddleware(BaseMiddleware):
    """Puts ``session`` (an :class:`AsyncSession`) and ``sender_hash`` into handler data.

    :param sessionmaker: sessions of the dialogue's database (``expire_on_commit=False``).
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        data["sender_hash"] = sender_hash(user.id) if user else ""
        bot: Bot | None = data.get("bot")
        if bot is not None:
            install_once(bot, CommitBeforeShowing())
        async with self.sessionmaker() as session:
            tx = _UpdateTransaction(session, data.get("state"))
            await tx.remember_state()
            data["session"] = session
            token = _current.set(tx)
            try:
                result = await handler(event, data)
                await tx.commit_or_restore()
                return result
            except NotSaved:
                await tx.restore_state()
                raise
            except JiuzhuError:
                await tx.commit_or_restore()  # an expected refusal keeps its audit rows
                raise
            except SQLAlchemyError as e:  # a write (or read) refused mid-handler
                await session.rollback()
                await tx.restore_state()
                log.error("database error (%s); nothing of this update is shown",
                          type(e).__name__)  # fmt: skip
                raise NotSaved from e
            except BaseException:
                await session.rollback()
                await tx.restore_state()
                raise
            finally:
                _current.reset(token)
