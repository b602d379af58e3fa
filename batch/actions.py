"""What a batch run writes: staff cases with their reports, residents' messages, audit rows.

Nothing here ends or changes a benefit (only :mod:`staff.decisions` does, after a visit and
a second person). A family keeps one open case of a kind (``staff.cases.FAMILY_KINDS``): a
run that finds an open one lists it again instead of opening another, so re-running a month
changes nothing. Residents' messages are :class:`~store.models.Outbound` rows, pushed by the
existing relay (:func:`staff.relay.push_pending`, rate-limited for Telegram) or shown on the
resident's next turn; they are written most urgent first, the order the relay sends them.
Before any of it is shown, the audit rows of the reads behind it are in the same commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, MetaData, Table, and_, select

import store.models
from batch.bulk import reserve_ids, write

__all__ = [
    "CaseWish",
    "Written",
    "linked_chats",
    "queue_outreach",
    "reserve_ids",
    "write",
    "write_cases",
]
from batch.columns import DEPARTMENTS
from store.base import Base, utcnow
from templates import DEFAULT_LOCALE, texts

T = Base.metadata.tables
ENDED = ("resolved", "closed")
OUTREACH_QUIET = timedelta(days=30)
"""[A] A resident gets at most one proactive message in this time."""


@dataclass
class CaseWish:
    """A case the run wants for a family; ``report`` is a pre-check result JSON or None."""

    family_id: int
    region_code: str
    kind: str
    outcome: str
    priority: str
    summary: str
    data: dict[str, Any]
    report: dict[str, Any] | None = None
    message: str | None = None
    """Text for the family's linked chat, if it has one."""
    period: str = ""


@dataclass
class Written:
    """Cases listed (``(case id, family id, kind, region, outcome)``), how many opened now,
    messages queued."""

    cases: list[tuple[int, int, str, str, str]] = field(default_factory=list)
    opened: int = 0
    messages: int = 0


def linked_chats(conn: Connection, family_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Family id → the chat its residents are reached on: a valid outreach opt-in of a
    member, else the chat of the family's latest case that had one.

    Chats are few next to the families a run lists (a million green ones in September), so
    both are read whole, once, and kept for the families asked for.
    """
    wanted = set(family_ids)
    if not wanted:
        return {}
    fm, opt, case = T["family_member"], T["outreach_opt_in"], T["case"]
    out: dict[int, dict[str, Any]] = {}
    rows = conn.execute(
        select(case.c.family_id, case.c.channel, case.c.address, case.c.sender_hash)
        .where(case.c.address.is_not(None), case.c.family_id.is_not(None))
        .order_by(case.c.id)
    )
    for r in rows:
        if r.family_id in wanted:
            out[r.family_id] = {"channel": r.channel, "address": r.address,
                                "sender_hash": r.sender_hash, "locale": DEFAULT_LOCALE,
                                "opted_in": False}  # fmt: skip
    rows = conn.execute(
        select(fm.c.family_id, opt.c.channel, opt.c.address, opt.c.sender_hash, opt.c.locale)
        .join(fm, fm.c.person_id == opt.c.person_id)
        .where(opt.c.revoked_at.is_(None))
        .order_by(opt.c.id)
    )
    for r in rows:
        if r.family_id in wanted:
            out[r.family_id] = {"channel": r.channel, "address": r.address,
                                "sender_hash": r.sender_hash, "locale": r.locale,
                                "opted_in": True}  # fmt: skip
    return out


_FAMILIES = Table("batch_families", MetaData(), Column("id", BigInteger, primary_key=True),
                  prefixes=["TEMPORARY"])  # fmt: skip
"""The families a write is about, for joins: hundreds of thousands of ids are one COPY and one
join, where ``IN`` lists would be hundreds of statements (each a scan on PostgreSQL)."""


def _families(conn: Connection, family_ids: list[int]) -> Table:
    """:data:`_FAMILIES` (this connection's own temporary table) holding ``family_ids``."""
    _FAMILIES.create(conn, checkfirst=True)
    conn.execute(_FAMILIES.delete())
    write(conn, _FAMILIES, [{"id": f} for f in dict.fromkeys(family_ids)])
    if conn.dialect.name == "sqlite":
        # Its size, for the planner: without it SQLite took a few thousand families for a big
        # table and scanned every member and person to join them (4.6 s of a 7.4 s
        # incremental run at 300,000 families). PostgreSQL estimates a table without
        # statistics from its size on disk.
        conn.exec_driver_sql(f"ANALYZE {_FAMILIES.name}")
    return _FAMILIES


def _open_cases(conn: Connection, kind: str, family_ids: list[int]) -> dict[int, int]:
    case, wanted = T["case"], _families(conn, family_ids)
    rows = conn.execute(select(case.c.family_id, case.c.id)
                        .join(wanted, wanted.c.id == case.c.family_id)
                        .where(case.c.kind == kind, case.c.status.not_in(ENDED))
                        .order_by(case.c.id))  # fmt: skip
    return {r.family_id: r.id for r in rows}


def _audit(conn: Connection, family_ids: list[int], actor: str, purpose: str,
           now: datetime) -> list[dict[str, Any]]:  # fmt: skip
    """One audit row per member of the families whose data a case or message shows."""
    fm, person, wanted = T["family_member"], T["person"], _families(conn, family_ids)
    kinds = ",".join(
        sorted(k for k in store.models.RECORD_MODELS if k != "household_registration")
    )[:400]
    hashes = conn.execute(
        select(person.c.id_number_hash)
        .join(fm, fm.c.person_id == person.c.id)
        .join(wanted, wanted.c.id == fm.c.family_id)
    ).scalars()
    return [{"at": now, "actor": actor, "purpose": purpose, "person_hash": h,
             "consent_id": None, "record_kinds": kinds, "allowed": True}
            for h in hashes]  # fmt: skip


def write_cases(conn: Connection, wishes: list[CaseWish], *, actor: str, purpose: str,
                chats: dict[int, dict[str, Any]]) -> Written:  # fmt: skip
    """Open (or find) each wished case, attach its report, queue its message; flushes only
    (the caller commits). ``wishes`` most urgent first."""
    now = utcnow()
    done = Written()
    if not wishes:
        return done
    conn.execute(select(T["case"].c.id).limit(1))  # begin (SQLite: the write lock) first
    by_kind: dict[str, list[CaseWish]] = {}
    for w in wishes:
        by_kind.setdefault(w.kind, []).append(w)
    existing: dict[tuple[str, int], int] = {}
    for kind, group in by_kind.items():
        for fid, cid in _open_cases(conn, kind, [w.family_id for w in group]).items():
            existing[(kind, fid)] = cid
    new = [w for w in wishes if (w.kind, w.family_id) not in existing]
    case_ids = reserve_ids(conn, T["case"], len(new))
    with_report = [w for w in new if w.report is not None]
    report_ids = iter(reserve_ids(conn, T["precheck_result"], len(with_report)))
    reports, cases, events, outbound = [], [], [], []
    ids = dict(zip((id(w) for w in new), case_ids, strict=True))
    for w in new:
        chat = chats.get(w.family_id)
        precheck_id = None
        if w.report is not None:
            precheck_id = next(report_ids)
            sources = [{"kind": k, "department": d, "read_at": now.isoformat()}
                       for k, d in DEPARTMENTS.items()]  # fmt: skip
            reports.append(
                {
                    "id": precheck_id,
                    "family_id": w.family_id,
                    "period": w.period,
                    "rules_version": w.report["rules_version"],
                    "actor": actor,
                    "result": w.report,
                    "data_sources": sources,
                    "created_at": now,
                }
            )
        cases.append({
            "id": ids[id(w)], "kind": w.kind, "status": "open", "priority": w.priority,
            "region_code": w.region_code, "family_id": w.family_id, "precheck_id": precheck_id,
            "summary": w.summary, "held": False, "created_at": now, "updated_at": now,
            "sender_hash": chat and chat["sender_hash"], "channel": chat and chat["channel"],
            "address": chat and chat["address"],
        })  # fmt: skip
        events.append({"case_id": ids[id(w)], "at": now, "kind": "opened", "actor": actor,
                       "data": {"kind": w.kind, "priority": w.priority,
                                "locale": chat["locale"] if chat else DEFAULT_LOCALE,
                                **w.data}})  # fmt: skip
        if chat and w.message:
            outbound.append({"case_id": ids[id(w)], "sender_hash": chat["sender_hash"],
                             "channel": chat["channel"], "address": chat["address"],
                             "text": w.message, "reset_conversation": False,
                             "created_at": now})  # fmt: skip
    audit = _audit(conn, [w.family_id for w in new], actor, purpose, now)
    write(conn, T["audit_log"], audit)
    write(conn, T["precheck_result"], reports)
    write(conn, T["case"], cases)
    write(conn, T["case_event"], events)
    write(conn, T["outbound"], outbound)
    done.opened, done.messages = len(new), len(outbound)
    for w in wishes:
        cid = existing.get((w.kind, w.family_id)) or ids[id(w)]
        done.cases.append((cid, w.family_id, w.kind, w.region_code, w.outcome))
    return done


def write_tasks(conn: Connection, tasks: list[dict[str, Any]], *, as_of: str, actor: str,
                purpose: str) -> int:  # fmt: skip
    """Add yellow and blue warnings to the task list (one open task per family); returns
    how many were added. Audit rows for the members whose data a task shows."""
    table = T["warning_task"]
    wanted = _families(conn, [t["family_id"] for t in tasks])
    open_now = set(conn.execute(select(table.c.family_id)
                                .join(wanted, wanted.c.id == table.c.family_id)
                                .where(table.c.done_at.is_(None))).scalars())  # fmt: skip
    now = utcnow()
    rows = [{**t, "as_of": as_of, "created_at": now} for t in tasks
            if t["family_id"] not in open_now]  # fmt: skip
    audit = _audit(conn, [r["family_id"] for r in rows], actor, purpose, now)
    write(conn, T["audit_log"], audit)
    write(conn, table, rows)
    return len(rows)


def queue_outreach(conn: Connection, families: list[int], chats: dict[int, dict[str, Any]],
                   *, actor: str, purpose: str) -> int:  # fmt: skip
    """A friendly message to each family (most urgent first) whose resident opted in and
    had no proactive message in :data:`OUTREACH_QUIET`; returns how many were queued."""
    now = utcnow()
    out = T["outbound"]
    targets = [(f, chats[f]) for f in families if chats.get(f, {}).get("opted_in")]
    if not targets:
        return 0
    conn.execute(select(out.c.id).limit(1))
    recent = set(
        conn.execute(
            select(out.c.sender_hash).where(
                and_(
                    out.c.case_id.is_(None),
                    out.c.created_at >= now - OUTREACH_QUIET,
                    out.c.sender_hash.in_([c["sender_hash"] for _, c in targets]),
                )
            )
        ).scalars()
    )
    rows = []
    for _, chat in targets:
        if chat["sender_hash"] in recent:
            continue
        recent.add(chat["sender_hash"])
        rows.append({"case_id": None, "sender_hash": chat["sender_hash"],
                     "channel": chat["channel"], "address": chat["address"],
                     "text": texts("batch", chat["locale"]).t("outreach-green"),
                     "reset_conversation": False, "created_at": now})  # fmt: skip
    audit = _audit(conn, [f for f, c in targets if c["sender_hash"] in {r["sender_hash"]
                                                                      for r in rows}],
                   actor, purpose, now)  # fmt: skip
    write(conn, T["audit_log"], audit)
    write(conn, out, rows)
    return len(rows)
