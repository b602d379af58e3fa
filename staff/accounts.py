"""Staff accounts: creating, disabling, signing in (argon2id, throttled).

Login throttling [A] (OWASP Authentication Cheat Sheet: limit failed attempts per account
and per client): :data:`MAX_FAILURES` failed logins per username or per client within
:data:`WINDOW` → refused until the oldest counted failure leaves the window.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiuzhu.errors import InvalidInput
from staff.errors import NotSignedIn, Throttled
from store.base import utcnow
from store.crypto import vault
from store.models import LoginAttempt, StaffAccount
from store.models.staff import STAFF_ROLES

MAX_FAILURES = 5
"""[A] Failed logins allowed per username and per client within :data:`WINDOW`."""
WINDOW = timedelta(minutes=15)
"""[A] The throttling window (OWASP suggests minutes, not seconds)."""
MIN_PASSWORD = 10
"""[A] Shortest password accepted (NIST SP 800-63B asks at least 8)."""

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash to verify against for an unknown username: the same work as for a real one."""
    return _hasher.hash("not a password of anyone")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``.

    :raises InvalidInput: shorter than :data:`MIN_PASSWORD` characters.
    """
    if len(password) < MIN_PASSWORD:
        msg = f"password: at least {MIN_PASSWORD} characters"
        raise InvalidInput(msg)
    return _hasher.hash(password)


async def add_account(
    session: AsyncSession, *, username: str, password: str, role: str, region_prefix: str
) -> StaffAccount:
    """Create an account (flushed).

    :param region_prefix: 2 to 6 digits starting 44 (Guangdong).
    :raises InvalidInput: unknown role, bad prefix or username, short password, name taken.
    """
    if role not in STAFF_ROLES:
        msg = f"--role: expected one of {', '.join(STAFF_ROLES)}"
        raise InvalidInput(msg)
    if not (region_prefix.isdigit() and 2 <= len(region_prefix) <= 6
            and region_prefix.startswith("44")):  # fmt: skip
        msg = "--region: expected 2 to 6 digits of a Guangdong region code (44, 4418, 441825)"
        raise InvalidInput(msg)
    if not username or len(username) > 64 or not username.isprintable() or " " in username:
        msg = "--username: 1 to 64 printable characters without spaces"
        raise InvalidInput(msg)
    if await account_named(session, username) is not None:
        msg = f"--username: {username!r} exists already"
        raise InvalidInput(msg)
    account = StaffAccount(
        username=username, password_hash=hash_password(password), role=role,
        region_prefix=region_prefix,
    )  # fmt: skip
    session.add(account)
    await session.flush()
    return account


async def account_named(session: AsyncSession, username: str) -> StaffAccount | None:
    """The account with this username, or None (disabled ones too)."""
    return await session.scalar(select(StaffAccount).where(StaffAccount.username == username))


async def list_accounts(session: AsyncSession) -> list[StaffAccount]:
    """Every account, by username (for ``jiuzhu staff list``)."""
    return list(await session.scalars(select(StaffAccount).order_by(StaffAccount.username)))


async def disable_account(session: AsyncSession, username: str) -> StaffAccount:
    """Disable an account: its sessions are deleted, so its very next request is refused.

    :raises InvalidInput: no such account.
    """
    from staff.web.sessions import end_sessions  # lazy: the web app imports this module

    account = await account_named(session, username)
    if account is None:
        msg = f"--username: no staff account {username!r}"
        raise InvalidInput(msg)
    account.disabled_at = account.disabled_at or utcnow()
    account.session_version += 1
    await end_sessions(session, account.id)
    await session.flush()
    return account


async def link_telegram(
    session: AsyncSession, username: str, telegram_user_id: int
) -> StaffAccount:
    """Link the account to a Telegram user, who then acts as it in the staff group.

    :raises InvalidInput: no such account, not a Telegram user id, or linked to another.
    """
    account = await account_named(session, username)
    if account is None:
        msg = f"--username: no staff account {username!r}"
        raise InvalidInput(msg)
    if not 0 < telegram_user_id < 2**63:
        msg = "--telegram-id: expected a Telegram user id (a positive number)"
        raise InvalidInput(msg)
    taken = StaffAccount.telegram_user_id == telegram_user_id, StaffAccount.id != account.id
    other = await session.scalar(select(StaffAccount.username).where(*taken))
    if other is not None:
        msg = f"--telegram-id: linked to {other!r} already"
        raise InvalidInput(msg)
    account.telegram_user_id = telegram_user_id
    await session.flush()
    return account


async def authenticate(
    session: AsyncSession, username: str, password: str, *, client: str
) -> StaffAccount:
    """The enabled account whose password this is; every try is recorded (flushed).

    :param client: the client's address (hashed before it is stored).
    :raises Throttled: too many failures for this username or client (nothing is checked).
    :raises NotSignedIn: wrong username or password, or a disabled account (one message).
    """
    user_hash = vault().lookup_hash("staff-login", username)
    client_hash = vault().lookup_hash("staff-client", client)
    since = utcnow() - WINDOW
    failures = (
        select(func.count(), func.min(LoginAttempt.at))
        .where(LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
        .where(or_(LoginAttempt.username_hash == user_hash,
                   LoginAttempt.client_hash == client_hash))
    )  # fmt: skip
    count, oldest = (await session.execute(failures)).one()
    if count >= MAX_FAILURES:
        retry = int((oldest + WINDOW - utcnow()).total_seconds()) + 1
        msg = f"too many failed logins: try again in {retry} seconds"
        raise Throttled(msg, retry_after=max(retry, 1))
    account = await account_named(session, username)
    known = account.password_hash if account else _dummy_hash()
    ok = _verify(known, password) and account is not None
    ok = ok and account.disabled_at is None
    session.add(LoginAttempt(username_hash=user_hash, client_hash=client_hash, succeeded=ok))
    await session.flush()
    if not ok:
        msg = "wrong username or password"
        raise NotSignedIn(msg)
    return account


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def live_account(session: AsyncSession, account_id: int, version: int) -> StaffAccount:
    """The account behind a session, if it may still act.

    :raises NotSignedIn: gone, disabled, or its sessions were ended since this one began.
    """
    account = await session.get(StaffAccount, account_id)
    if account is None or account.disabled_at is not None or account.session_version != version:
        msg = "your session has ended: please sign in again"
        raise NotSignedIn(msg)
    return account
