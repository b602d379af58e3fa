"""Commands of the ``eligibility`` package: ``jiuzhu precheck`` (the what-if pre-check).

``jiuzhu precheck --situation FILE.json [--json]`` evaluates a family given directly, without
a database (issue 3's contract). Invalid input raises :class:`jiuzhu.errors.InvalidInput`
(exit 2, one line naming the field).
"""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Annotated

import typer

from jiuzhu.errors import InvalidInput


def _read(path: Path) -> str:
    """The file's text, at most MAX_JSON_CHARS bytes read (``/dev/zero`` does not fill memory).

    :raises InvalidInput: one line per cause: no such file, file name too long, permission
        denied, a directory, not UTF-8, too long, any other OSError with its reason.
    """
    from eligibility.bounds import shown
    from eligibility.situation import MAX_JSON_CHARS

    try:
        with path.open("rb") as file:
            data = file.read(MAX_JSON_CHARS + 1)
        text = data.decode("utf-8")
    except FileNotFoundError:
        msg = f"--situation: no such file {shown(str(path))}"
        raise InvalidInput(msg) from None
    except (UnicodeDecodeError, IsADirectoryError) as e:
        msg = f"--situation: expected a UTF-8 JSON file ({e.__class__.__name__})"
        raise InvalidInput(msg) from None
    except PermissionError:
        msg = f"--situation: permission denied to read {shown(str(path))}"
        raise InvalidInput(msg) from None
    except OSError as e:
        reason = "file name too long" if e.errno == errno.ENAMETOOLONG else e.strerror
        msg = f"--situation: {(reason or type(e).__name__).lower()}"
        raise InvalidInput(msg) from None
    if len(data) > MAX_JSON_CHARS:
        msg = f"--situation: expected a file of at most {MAX_JSON_CHARS} bytes"
        raise InvalidInput(msg)
    return text


def render_table(result) -> str:
    """The readable Chinese table the CLI prints without ``--json``."""
    from eligibility.explain import (
        amount_text,
        area_text,
        flag_text,
        program_name,
        reason_text,
        source_text,
        status_text,
    )
    from eligibility.regions import region_name
    from templates import texts

    t = texts("eligibility")
    lines = [
        t.t("precheck-title"),
        t.t("precheck-region", region_name=region_name(result.region), region=result.region,
            area=area_text(result.area), period=result.period),
        t.t("precheck-household", household_size=result.household_size,
            per_capita_income=result.per_capita_income),
        t.t("precheck-standard", standard=result.dibao_standard,
            source=source_text(result.dibao_standard_source)),
        "",
    ]
    rows = [(t.t("precheck-col-program"), t.t("precheck-col-status"),
             t.t("precheck-col-amount"), t.t("precheck-col-members"))]
    for code, program in result.programs.items():
        rows.append((program_name(code), status_text(program.status),
                     amount_text(program.monthly_amount, program.status, reasons=program.reasons),
                     "、".join(program.members) or "—"))
    widths = [max(_width(r[c]) for r in rows) for c in range(4)]
    for row in rows:
        lines.append("  ".join(cell + " " * (w - _width(cell))
                               for cell, w in zip(row, widths, strict=True)).rstrip())
    lines += ["", t.t("precheck-reasons") + "："]
    for code, program in result.programs.items():
        for reason in program.reasons:
            lines.append(f"  【{program_name(code)}】{reason_text(reason)}")
    if result.flags:
        lines += ["", t.t("precheck-flags") + "："]
        lines += [f"  · {flag_text(flag)}" for flag in result.flags]
    if not result.complete:
        lines += ["", t.t("precheck-incomplete")]
    lines += ["", t.t("precheck-rules-version", rules_version=result.rules_version)]
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the ``jiuzhu`` CLI."""

    @app.command("precheck")
    def precheck(
        situation: Annotated[
            Path, typer.Option("--situation", help="family situation JSON file")
        ],
        as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    ) -> None:
        """Pre-check a family given as JSON (what-if; no database)."""
        from eligibility.service import evaluate_one
        from eligibility.situation import parse_situation_json

        result = evaluate_one(parse_situation_json(_read(situation)))
        if as_json:
            typer.echo(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2))
        else:
            typer.echo(render_table(result))
