"""Every text a person reads, rendered with jinja2.

Layout::

    templates/<locale>/<domain>.yml          short texts: kebab-case key -> jinja2 source
    templates/<locale>/<domain>/*.yml        more short texts of the same domain (one per journey)
    templates/<locale>/documents/<name>.html.j2   whole documents (reports, notices, lists)

``texts("bot").t("consent-ask", name="林*")`` renders one short text (``texts("bot", "en")``
in English); ``render_document("verification_report", **context)`` renders a document to
HTML. Every locale of :data:`LOCALES` has the same files, keys and variables.
Missing keys raise :class:`KeyError` naming the key, so a typo fails in tests, not in a chat.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

ROOT = Path(__file__).parent
DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "en")
"""Every catalogue under ``templates/``; each has the same keys and documents (a test checks)."""


def known_locale(locale: str | None) -> str:
    """``locale`` if it is one of :data:`LOCALES`, else :data:`DEFAULT_LOCALE`."""
    return locale if locale in LOCALES else DEFAULT_LOCALE


@cache
def _environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(ROOT / locale),
        autoescape=select_autoescape(["html", "html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["yuan"] = yuan
    return env


def yuan(amount: float | int | None) -> str:
    """Format an amount in yuan for people: ``1238`` -> ``1,238``, ``714.5`` -> ``714.50``."""
    if amount is None:
        return "—"
    value = float(amount)
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


class Texts:
    """The short texts of one domain (``bot``, ``cli``...) in one locale."""

    def __init__(self, domain: str, locale: str = DEFAULT_LOCALE) -> None:
        self.domain = domain
        self.locale = locale
        base = ROOT / locale
        paths = [base / f"{domain}.yml", *sorted((base / domain).glob("*.yml"))]
        self._sources: dict[str, str] = {}
        for path in paths:
            if not path.exists():
                continue
            for key, source in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
                if key in self._sources:
                    msg = f"text {key!r} defined twice (again in {path.name})"
                    raise KeyError(msg)
                self._sources[key] = source
        self._compiled: dict[str, Any] = {}

    def t(self, key: str, /, **context: Any) -> str:
        """Render text ``key`` with ``context``.

        :raises KeyError: when the key does not exist in this domain and locale.
        """
        template = self._compiled.get(key)
        if template is None:
            if key not in self._sources:
                msg = f"no text {key!r} in templates/{self.locale}/{self.domain}.yml"
                raise KeyError(msg)
            template = _environment(self.locale).from_string(self._sources[key])
            self._compiled[key] = template
        return template.render(**context).strip()

    def __contains__(self, key: str) -> bool:
        return key in self._sources


@cache
def texts(domain: str, locale: str = DEFAULT_LOCALE) -> Texts:
    """The cached :class:`Texts` of ``domain`` in ``locale``."""
    return Texts(domain, locale)


def render_document(name: str, locale: str = DEFAULT_LOCALE, /, **context: Any) -> str:
    """Render ``templates/<locale>/documents/<name>.html.j2`` to an HTML string."""
    return _environment(locale).get_template(f"documents/{name}.html.j2").render(**context)
