"""Settings: environment variables with the ``JIUZHU_`` prefix, or a ``.env`` file.

``JIUZHU_DATABASE_URL``  SQLAlchemy URL; default SQLite file ``<data_dir>/jiuzhu.db``.
                         Plain ``sqlite:///`` and ``postgresql://`` URLs are accepted; the async
                         (aiosqlite / asyncpg) and sync (sqlite3 / psycopg) drivers are derived.
``JIUZHU_REDIS_URL``     Redis for what a conversation keeps between turns when several workers
                         run: FSM state, buttons shown, the per-sender lock, the replies by
                         message id, rate-limit hits (empty: in this process's memory).
``JIUZHU_REDIS_PREFIX``  first part of every jiuzhu key in that Redis (default ``jiuzhu``): two
                         deployments (or test runs) can share one Redis.
``JIUZHU_METRICS_TOKEN`` bearer token ``GET /metrics`` requires (empty: open; no personal data).
``JIUZHU_SECRET_KEY``    key material for encrypting personal data; the embedded default
                         generates ``<data_dir>/secret.key`` (mode 0600). Required in production.
``JIUZHU_DATA_DIR``      where the embedded default keeps its files (default ``./var``).
``JIUZHU_ENV``           ``demo`` (default) or ``production``; demo shows one-time codes in chat.
``JIUZHU_TODAY``         demo only: run as if today were this date, ``YYYY-MM-DD`` (replays).
``JIUZHU_REST_CALLBACK_URL``  where staff replies to REST residents are POSTed, one JSON message
                         each (Rasa's ``CallbackOutput`` form); empty: they wait for the next turn.
``JIUZHU_PUBLIC_URL``    the public base of this server (``https://chat.example.gov.cn``): document
                         links are absolute under it; empty: the request's scheme and host (and
                         ``http://<host>:<port>`` for links pushed to the callback URL).
``JIUZHU_CORS_ORIGINS``  origins (comma-separated) whose pages may call the REST channel from a
                         browser; ``*`` any origin (never with credentials); empty: none.
``JIUZHU_HANDOFF_WAIT_MINUTES``  a resident waiting this long for a person is told the expected
                         wait and offered a call-back (default 10 [A]).
``JIUZHU_BOT_TOKEN``     the Telegram bot's token: ``jiuzhu serve --telegram`` runs the dialogue
                         on Telegram (``JIUZHU_TELEGRAM_TOKEN``: the deprecated old name).
``JIUZHU_TELEGRAM_API_BASE``  another Bot API server's base URL, e.g. a self-hosted
                         ``telegram-bot-api`` (empty: Telegram's own; ``JIUZHU_TELEGRAM_API_URL``:
                         the deprecated old name).
``JIUZHU_TELEGRAM_WEBHOOK_URL``  the public HTTPS URL Telegram posts updates to; set: webhook mode
                         (the served app answers on this URL's path), empty: long polling.
``JIUZHU_TELEGRAM_WEBHOOK_SECRET``  the webhook's ``secret_token`` (1-256 of ``A-Za-z0-9_-``),
                         required with a webhook URL; an update without it is refused (401).
``JIUZHU_TELEGRAM_STAFF_CHAT_ID``  the staff group's chat id (``-100...``): each new case is
                         posted there as a masked card with take/close buttons; unset: no group.
``JIUZHU_TELEGRAM_STAFF_REGION``  region-code prefix of the cases that group sees (default 44).
``JIUZHU_STAFF_COOKIE_SECURE``  staff session cookie only over HTTPS (default: on in production).
``JIUZHU_SMS_PROVIDER``  who sends the texts of ``sms_outbox`` (:mod:`sms`): ``demo`` (default
                         outside production: only logs, the phone masked) or ``aliyun`` (Alibaba
                         Cloud SMS). Production needs ``aliyun`` and the four settings below.
``JIUZHU_SMS_ACCESS_KEY_ID`` / ``JIUZHU_SMS_ACCESS_KEY_SECRET``  the provider's AccessKey pair.
``JIUZHU_SMS_SIGN_NAME``  the approved signature (签名), e.g. ``救助小助手``.
``JIUZHU_SMS_TEMPLATE_CODE``  the approved sign-in code template (``SMS_...``), with ``${code}``.
``JIUZHU_SMS_ENDPOINT``  the SDK's endpoint, ``host[:port]`` or ``http://host:port`` (tests, a
                         proxy); empty: the SDK's own (``dysmsapi.aliyuncs.com``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from jiuzhu.errors import ConfigError


class Settings(BaseSettings):
    """All settings of one jiuzhu process. See the module docstring for each variable."""

    model_config = SettingsConfigDict(
        env_prefix="JIUZHU_", env_file=".env", extra="ignore", populate_by_name=True
    )

    env: Literal["demo", "production"] = "demo"
    data_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str = ""
    redis_prefix: str = "jiuzhu"
    metrics_token: SecretStr | None = None
    secret_key: SecretStr | None = None
    rest_token: SecretStr | None = None
    identity_assertion_key: SecretStr | None = None
    bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("JIUZHU_BOT_TOKEN", "JIUZHU_TELEGRAM_TOKEN")
    )
    telegram_staff_chat_id: int | None = None
    telegram_staff_region: str = "44"
    telegram_api_base: str = Field(
        "", validation_alias=AliasChoices("JIUZHU_TELEGRAM_API_BASE", "JIUZHU_TELEGRAM_API_URL")
    )
    telegram_webhook_url: str = ""
    telegram_webhook_secret: SecretStr | None = None
    nlu_engine: Literal["local", "rasa"] = "local"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr | None = None
    rasa_timeout: float = 2.0
    rasa_venv: Path | None = None
    today: date | None = None
    rest_callback_url: str = ""
    public_url: str = ""
    cors_origins: str = ""
    handoff_wait_minutes: float = 10.0
    staff_cookie_secure: bool | None = None
    sms_provider: Literal["", "demo", "aliyun"] = ""
    sms_access_key_id: str = ""
    sms_access_key_secret: SecretStr | None = None
    sms_sign_name: str = ""
    sms_template_code: str = ""
    sms_endpoint: str = ""
    host: str = "127.0.0.1"
    port: int = 8080

    @property
    def demo(self) -> bool:
        """True where one-time codes may be shown in the chat; never in production."""
        return self.env != "production"

    @property
    def secure_cookies(self) -> bool:
        """Staff cookies marked ``Secure``: as set, else only in production (HTTPS there)."""
        return self.env == "production" if self.staff_cookie_secure is None else (
            self.staff_cookie_secure
        )

    def _url(self) -> URL:
        raw = self.database_url or f"sqlite:///{(self.data_dir / 'jiuzhu.db').as_posix()}"
        try:
            return make_url(raw)
        except ArgumentError as e:
            msg = (
                "JIUZHU_DATABASE_URL is not a database URL: "
                f"expected sqlite:///PATH or postgresql://HOST/DB ({e})"
            )
            raise ConfigError(msg) from e

    @property
    def async_database_url(self) -> URL:
        """The database URL with its asyncio driver (aiosqlite or asyncpg)."""
        return _with_driver(self._url(), {"sqlite": "aiosqlite", "postgresql": "asyncpg"})

    @property
    def sync_database_url(self) -> URL:
        """The database URL with its blocking driver (sqlite3 or psycopg), for batch work."""
        return _with_driver(self._url(), {"sqlite": "pysqlite", "postgresql": "psycopg"})

    def secret(self) -> bytes:
        """Key material for encryption and keyed hashes.

        :raises ConfigError: in production when ``JIUZHU_SECRET_KEY`` is not set.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        if self.env == "production":
            msg = "JIUZHU_SECRET_KEY must be set in production"
            raise ConfigError(msg)
        return _key_file(self.data_dir / "secret.key")


DEPRECATED_NAMES = {
    "JIUZHU_TELEGRAM_TOKEN": "JIUZHU_BOT_TOKEN",
    "JIUZHU_TELEGRAM_API_URL": "JIUZHU_TELEGRAM_API_BASE",
}
"""Old variable → its new name; the old one is still read when the new one is not set."""


def deprecated_in_use(environ: Mapping[str, str] = os.environ) -> list[str]:
    """One warning line for each deprecated variable set without its new name."""
    return [f"{old} is deprecated: set {new} instead" for old, new in DEPRECATED_NAMES.items()
            if old in environ and new not in environ]  # fmt: skip


def _with_driver(url: URL, drivers: dict[str, str]) -> URL:
    backend = url.get_backend_name()
    if backend not in drivers:
        msg = f"unsupported database {backend!r}: expected sqlite or postgresql"
        raise ConfigError(msg)
    if backend == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return url.set(drivername=f"{backend}+{drivers[backend]}")


def _key_file(path: Path) -> bytes:
    """Read the embedded default's key file, creating it (random, mode 0600) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_bytes().strip()


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
