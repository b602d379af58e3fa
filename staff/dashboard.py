"""What the console's overview pages show: the queue's rows, the dashboard's counts and chart.

Both read cases through :func:`staff.cases.list_cases` (the jurisdiction's only, audited).
The chart is drawn by matplotlib on the server (SVG, text as paths, so the browser needs no
Chinese font); labels are Chinese when a CJK font is installed (Debian's fonts-noto-cjk,
``scripts/system-deps.sh``), English otherwise.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from jiuzhu import clock
from staff import cases
from staff.access import Principal
from staff.clocks import breaches
from store.models import Case
from store.models.cases import CASE_KINDS
from templates import Texts, texts

if TYPE_CHECKING:
    from matplotlib.font_manager import FontProperties

BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("lt1d", timedelta(days=1)),
    ("1to3d", timedelta(days=3)),
    ("3to10d", timedelta(days=10)),
    ("gt10d", None),
)
"""[A] How long an open case has waited (calendar time, upper bound exclusive): the clocks
count 3 working days to first contact and 10 to a decision, so the bounds sit near them."""
CLOCKS = ("first_contact", "decision", "refusal_notice")
"""The clocks of :mod:`staff.clocks`, always shown on the dashboard (others when breached)."""
OVERVIEW_LIMIT = 10_000
"""[A] Open cases counted at most (a county has hundreds; the province's queue more)."""
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei")
_drawing = threading.Lock()  # matplotlib's font cache is shared; draw one chart at a time


@dataclass(frozen=True)
class QueueRow:
    """One case of the queue: ``age`` since it opened, ``breaches`` its breached clocks."""

    case: Case
    assignee: str | None
    age: timedelta
    breaches: list[str]


async def queue(
    session: AsyncSession, principal: Principal, filters: cases.CaseFilter
) -> list[QueueRow]:
    """The jurisdiction's cases for the queue page, most urgent and oldest first.

    :raises InvalidInput: a filter outside its list.
    """
    found = await cases.list_cases(session, principal, filters)
    names = await cases.usernames(session, {c.assignee_id for c in found if c.assignee_id})
    now = clock.now()
    return [QueueRow(c, names.get(c.assignee_id or 0), now - c.created_at, breaches(c, now))
            for c in found]  # fmt: skip


def bucket(age: timedelta) -> str:
    """The :data:`BUCKETS` name of a case's age."""
    return next(name for name, bound in BUCKETS if bound is None or age < bound)


@dataclass(frozen=True)
class Overview:
    """Open cases of a jurisdiction (every status but resolved and closed).

    :ivar kinds: case kind → age bucket → cases, in :data:`CASE_KINDS` order, kinds with
        at least one open case only.
    :ivar breaches: clock name → open cases past it (:data:`CLOCKS` always present).
    :ivar breached: open cases with at least one breached clock.
    """

    kinds: dict[str, dict[str, int]]
    breaches: dict[str, int]
    total: int
    breached: int


async def overview(session: AsyncSession, principal: Principal) -> Overview:
    """Count the jurisdiction's open cases by kind and age, and their breached clocks."""
    found = await cases.list_cases(session, principal, cases.CaseFilter(status="active"),
                                   limit=OVERVIEW_LIMIT, purpose="dashboard")  # fmt: skip
    now = clock.now()
    by_kind: dict[str, Counter[str]] = {}
    late: Counter[str] = Counter()
    breached = 0
    for case in found:
        by_kind.setdefault(case.kind, Counter())[bucket(now - case.created_at)] += 1
        names = breaches(case, now)
        late.update(names)
        breached += bool(names)
    kinds = {
        k: {name: by_kind[k][name] for name, _ in BUCKETS}
        for k in (*CASE_KINDS, *sorted(set(by_kind) - set(CASE_KINDS)))
        if k in by_kind
    }
    clocks = {name: late[name] for name in (*CLOCKS, *sorted(set(late) - set(CLOCKS)))}
    return Overview(kinds, clocks, len(found), breached)  # fmt: skip


@cache
def cjk_font() -> FontProperties | None:
    """A font with Chinese glyphs, or None when none is installed."""
    from matplotlib import font_manager

    for family in CJK_FAMILIES:
        try:
            font_manager.findfont(font_manager.FontProperties(family=family),
                                  fallback_to_default=False)  # fmt: skip
        except ValueError:
            continue
        return font_manager.FontProperties(family=family)
    return None


def chart_locale(locale: str) -> str:
    """The chart's language: the page's, unless that needs a font this machine lacks."""
    return locale if locale == "en" or cjk_font() is not None else "en"


def _label(l10n: Texts, prefix: str, code: str) -> str:
    key = f"{prefix}-{code.replace('_', '-')}"
    return _say(l10n, key) if key in l10n else code


def _say(l10n: Texts, key: str) -> str:
    return Markup(l10n.t(key)).unescape()  # Texts escapes for HTML; a chart wants characters


MIN_ROWS = 4
"""Room for this many bars on each side of the chart, however few there are."""
BUCKET_COLOURS = ("#9ecae1", "#4292c6", "#08519c", "#08306b")
BREACH_COLOUR = "#c0392b"


def draw(view: Overview, locale: str) -> bytes:
    """The chart as SVG: open cases by kind stacked by age (left), breaches by clock (right)."""
    from matplotlib.figure import Figure  # late: only the dashboard pays for the import

    l10n = texts("staff", chart_locale(locale))
    font = cjk_font() if chart_locale(locale) != "en" else None
    text: dict[str, Any] = {"fontproperties": font} if font is not None else {}
    with _drawing:
        figure = Figure(figsize=(10, 3.8), layout="constrained")
        left, right = figure.subplots(1, 2, width_ratios=(3, 2))
        kinds = list(view.kinds)[::-1]  # top to bottom in CASE_KINDS order
        start = [0] * len(kinds)
        for (name, _), colour in zip(BUCKETS, BUCKET_COLOURS, strict=True):
            counts = [view.kinds[k][name] for k in kinds]
            left.barh(range(len(kinds)), counts, left=start, color=colour,
                      label=_label(l10n, "bucket", name), height=0.6)  # fmt: skip
            start = [a + b for a, b in zip(start, counts, strict=True)]
        if kinds:
            left.bar_label(left.containers[-1], labels=[str(n) for n in start], padding=4)
        left.set_yticks(range(len(kinds)), [_label(l10n, "kind", k) for k in kinds], **text)
        left.set_title(_say(l10n, "chart-title-kinds"), loc="left", **text, fontsize=12)
        if kinds:
            left.legend(
                loc="upper left", bbox_to_anchor=(0, -0.2), frameon=False, ncols=4, prop=font
            )  # below the axis: never over a bar
        else:
            left.text(0.5, 0.5, _say(l10n, "dashboard-none"), ha="center", va="center",
                      transform=left.transAxes, color="#555", **text)  # fmt: skip
        clocks = list(view.breaches)[::-1]
        late = right.barh(
            range(len(clocks)), [view.breaches[c] for c in clocks], color=BREACH_COLOUR, height=0.6
        )
        right.bar_label(late, padding=4)
        right.set_yticks(range(len(clocks)), [_label(l10n, "clock", c) for c in clocks], **text)
        right.set_title(_say(l10n, "chart-title-breaches"), loc="left", **text, fontsize=12)
        for axes, rows in ((left, len(kinds)), (right, len(clocks))):
            pad = max(MIN_ROWS - rows, 0) / 2  # bars keep their thickness when few
            axes.set_ylim(-0.5 - pad, rows - 0.5 + pad)
            axes.set_xlabel(_say(l10n, "chart-cases"), **text)
            axes.xaxis.get_major_locator().set_params(integer=True)
            axes.set_xlim(0, max(axes.get_xlim()[1], 1))
            axes.spines[["top", "right"]].set_visible(False)
        out = io.BytesIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


async def chart_svg(view: Overview, locale: str) -> bytes:
    """:func:`draw` off the event loop (measured: 0.15 s a chart, 0.7 s the first: fonts)."""
    return await asyncio.to_thread(draw, view, locale)
