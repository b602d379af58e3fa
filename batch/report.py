"""The summary and fairness tables (rich) and the chart (matplotlib) of a batch run."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from batch.monitor import TALLIED
from batch.review import OUTCOMES
from eligibility.regions import PREFECTURES
from templates import texts

COLOUR_HEX = {"red": "#d62728", "orange": "#ff7f0e", "yellow": "#e8c20c", "blue": "#1f77b4",
              "green": "#2ca02c", "amount_change": "#1f77b4", "gradual_exit": "#2ca02c",
              "exit_proposed": "#d62728", "home_visit": "#ff7f0e"}  # fmt: skip


def _name(code: str) -> str:
    entry = PREFECTURES.get(code[:4]) if isinstance(PREFECTURES, dict) else None
    name = getattr(entry, "name", entry) if entry is not None else None
    return f"{code} {name}" if isinstance(name, str) else code


def counts_table(title: str, counts: Counter, columns: tuple[str, ...], first: str) -> Table:
    """Rows: the first key of ``counts``' pairs; columns: ``columns``; a total row."""
    t = texts("batch")
    table = Table(title=title)
    table.add_column(first)
    for c in (*columns, t.t("column-total")):
        table.add_column(c, justify="right")
    rows = sorted({k for k, _ in counts})
    for row in rows:
        values = [counts.get((row, c), 0) for c in columns]
        table.add_row(_name(row) if first == t.t("column-prefecture") else row,
                      *map(str, values), str(sum(values)))  # fmt: skip
    totals = [sum(counts.get((r, c), 0) for r in rows) for c in columns]
    table.add_row(t.t("column-total"), *map(str, totals), str(sum(totals)), style="bold")
    return table


def print_review(console: Console, by_prefecture: Counter) -> None:
    """Outcomes by prefecture."""
    t = texts("batch")
    console.print(counts_table(t.t("table-outcomes"), by_prefecture, OUTCOMES,
                               t.t("column-prefecture")))  # fmt: skip


def print_monitor(console: Console, by_prefecture: Counter, fairness: Counter) -> None:
    """Colours by prefecture, then the fairness tables (county, age band, disability); each
    counts every family, ``none`` the ones with no warning."""
    t = texts("batch")
    console.print(counts_table(t.t("table-colours"), by_prefecture, TALLIED,
                               t.t("column-prefecture")))  # fmt: skip
    for dimension in ("county", "age", "disability"):
        counts = Counter({(k[1], k[2]): v for k, v in fairness.items() if k[0] == dimension})
        by = t.t(f"by-{dimension}")
        console.print(counts_table(t.t("table-fairness", by=by), counts, TALLIED, by))


def chart(
    path: Path, counts: Counter, categories: tuple[str, ...], title: str, as_of: str
) -> None:
    """A stacked bar chart of ``counts`` ((prefecture, category) → families) by prefecture:
    warnings by colour (monitor), cases by outcome (review)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    t = texts("batch", "en")  # CJK fonts are not guaranteed where the chart is drawn
    prefectures = sorted({k for k, _ in counts})
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(prefectures) + 2), 4.5), dpi=120)
    bottom = [0] * len(prefectures)
    for colour in categories:
        values = [counts.get((p, colour), 0) for p in prefectures]
        ax.bar(prefectures, values, bottom=bottom, color=COLOUR_HEX[colour], label=colour)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_title(t.t(title, as_of=as_of))
    ax.set_ylabel(t.t("chart-ylabel"))
    ax.set_xlabel(t.t("chart-xlabel"))
    if prefectures:
        ax.legend(loc="upper right")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # families, not fractions
    else:  # an empty month: say so, rather than axes of nothing
        ax.text(0.5, 0.5, t.t("chart-empty"), ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
    ax.tick_params(axis="x", rotation=60)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
