"""Checks before a long-running command starts: safe defaults for production.

``jiuzhu serve``, ``jiuzhu telegram``, ``jiuzhu chat`` and ``jiuzhu sms-worker`` call
:func:`preflight` first. With ``JIUZHU_ENV=production`` the process refuses to start
without what keeps residents safe there, naming every missing setting in one line:

- ``JIUZHU_REST_TOKEN``: else the REST webhook is open to anyone who finds it;
- ``JIUZHU_SECRET_KEY``: else there is no key for the personal data (no key file in
  production);
- ``JIUZHU_SMS_PROVIDER=aliyun`` and its credentials, sign name and template: in production
  a sign-in code goes only by SMS, so without a provider nobody could sign in.

In demo mode on an address other than loopback it warns that sign-in codes are shown in the
chat, to whoever can reach that address.
"""

from __future__ import annotations

import ipaddress

import typer
from pydantic import SecretStr

from jiuzhu.errors import ConfigError
from jiuzhu.settings import Settings

EXPOSED_DEMO = (
    "warning: demo mode (JIUZHU_ENV is not production) on {host}: one-time sign-in codes are "
    "shown in the chat to anyone who can reach this address; set JIUZHU_ENV=production "
    "and an SMS provider for real use"
)


def preflight(settings: Settings, *, host: str | None = None) -> None:
    """Refuse a production start with missing settings; warn about an exposed demo.

    :param host: the address a server will listen on (None: no server, no warning).
    :raises ConfigError: in production, one line naming each missing setting.
    """
    if settings.env == "production":
        missing = production_gaps(settings)
        if missing:
            msg = f"JIUZHU_ENV=production refuses to start without {'; '.join(missing)}"
            raise ConfigError(msg)
    elif host is not None and not is_loopback(host):
        typer.echo(EXPOSED_DEMO.format(host=host), err=True)


def production_gaps(settings: Settings) -> list[str]:
    """What production lacks, each a setting's name and why it is needed; empty when ready."""
    gaps = []
    if not _set(settings.rest_token):
        gaps.append("JIUZHU_REST_TOKEN (the REST webhook would be open to all)")
    if not _set(settings.secret_key):
        gaps.append("JIUZHU_SECRET_KEY (the key of the personal data)")
    if settings.sms_provider != "aliyun":
        gaps.append("JIUZHU_SMS_PROVIDER=aliyun (sign-in codes go only by SMS in production)")
    else:
        gaps += missing_sms_settings(settings)
    return gaps


def missing_sms_settings(settings: Settings) -> list[str]:
    """The names of the ``JIUZHU_SMS_*`` settings a real provider needs that are not set."""
    needed = {
        "JIUZHU_SMS_ACCESS_KEY_ID": settings.sms_access_key_id,
        "JIUZHU_SMS_ACCESS_KEY_SECRET": settings.sms_access_key_secret,
        "JIUZHU_SMS_SIGN_NAME": settings.sms_sign_name,
        "JIUZHU_SMS_TEMPLATE_CODE": settings.sms_template_code,
    }
    return [name for name, value in needed.items() if not _set(value)]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1); False for ``0.0.0.0``,
    ``::``, an interface's address or any other name."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _set(value: str | SecretStr | None) -> bool:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return bool(value and value.strip())
