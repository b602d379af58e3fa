"""Chat turns under load: ``jiuzhu serve`` against a Rasa 3.6 server, over loopback HTTP.

Run: ``.venv/bin/python -m benchmarks.chat_load [--quick] [--levels 1,10,50,200]
[--rounds 3] [--seconds 10] [--no-rasa] [--redis] [--jiuzhu PATH] [--profile DIR]``.

A closed-loop load generator: at each concurrency level, that many conversations run at
once, each starting the next as soon as it ends, every turn a ``POST /webhooks/rest/webhook``
waiting for its answer. A conversation is the first story in seven turns, in Chinese: a
greeting, 我想申请低保, the consent, an ID number (the demo shows the code sent), the code (the
sign-in, then the pre-check with its consent-checked, audited reads), 查看我的待遇, thanks.
Each has its own sender and a demo applicant of its own (a phone gets at most five codes an
hour), so the rate limit (8 turns per 10 s per sender) never refuses one.

- jiuzhu: the embedded default, one worker: ``jiuzhu serve`` on a copy of a data directory
  prepared once per run (``jiuzhu db upgrade``, ``demo-data --families``, ``nlu train``),
  a fresh copy and process for every round. ``--jiuzhu`` serves another checkout's
  ``.venv/bin/jiuzhu`` (the code before a change); ``--redis`` adds Redis on 127.0.0.1
  (a key prefix of its own, deleted after).
- Rasa: ``rasa run`` on the model of :mod:`benchmarks.rasa_bot` (Jieba + DIET on our
  ``nlu/`` data, RulePolicy, responses with buttons), sent the same texts.

Each level warms up for a quarter of ``--seconds`` (at least 2 s; the conversations start
at random moments of its first half, not in step), then counts the turns
answered during ``--seconds``: turns/s, p50/p95/p99 of the turn latency in ms, the server's
CPU time (process and children, user + system) per turn in ms, and errors: a failed request
(status, connection, 60 s timeout), an empty answer, an apology (系统出了点问题, 没能保存) or
"locked" in an answer; for jiuzhu also a missing code or pre-check result. Levels and
systems alternate within a round so both see the same machine; the table shows medians of
the rounds, the ratio jiuzhu/Rasa of each round's turns/s (median), and the load average
(``uptime``'s 1-minute figure) when each level ended. ``--profile DIR`` records jiuzhu's
server with py-spy during an extra, untimed 50-conversation level after the first round
(``pip install py-spy``; summarise with ``benchmarks.profile_summary``). Nothing is
asserted. ``--quick``: 1 round, levels 1 and 10, 2 s, no Rasa unless ``--rasa``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from aiohttp import ClientSession, ClientTimeout, TCPConnector

from nlu import rasa_env

ROOT = Path(__file__).resolve().parent.parent
WEBHOOK = "/webhooks/rest/webhook"
GREETING, APPLY, CONSENT, BENEFITS, THANKS = (
    "你好",
    "我想申请低保",
    "同意",
    "查看我的待遇",
    "谢谢，再见",
)
CODE = re.compile(r"本次验证码：(\d{6})")
PRECHECKED = "救助资格预审结果"
APOLOGIES = ("系统出了点问题", "没能保存", "locked")
REDIS_URL = "redis://127.0.0.1:6379/0"
_IDS = """
import json, sys
from sqlalchemy import select
from jiuzhu.settings import get_settings
from store.crypto import configure_vault
from store.models import FamilyMember, Person
from store.session import make_sync_engine
settings = get_settings()
configure_vault(settings.secret())
from sqlalchemy.orm import Session
with Session(make_sync_engine(settings)) as s:
    people = s.scalars(select(Person).join(FamilyMember, FamilyMember.person_id == Person.id)
        .where(FamilyMember.relation == "applicant", Person.phone.is_not(None)))
    json.dump([p.id_number for p in people], sys.stdout)
"""


@dataclass
class Level:
    """What one system did at one concurrency level in one round."""

    turns: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    cpu_seconds: float = 0.0
    load: float = 0.0

    @property
    def rate(self) -> float:
        """Turns answered per second."""
        return self.turns / self.seconds if self.seconds else 0.0

    def quantile(self, q: int) -> float:
        """The ``q``-th percentile of the turn latency in ms (0 without turns)."""
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else 0.0
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[q - 1]

    @property
    def cpu_ms(self) -> float:
        """Server CPU time per turn answered, ms."""
        return 1000 * self.cpu_seconds / self.turns if self.turns else 0.0


@dataclass
class Server:
    """A server process under test and how to reach it."""

    name: str
    url: str
    process: subprocess.Popen[bytes] | None
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU seconds of the process and its children so far."""
        proc = psutil.Process(self.pid)
        total = 0.0
        for p in [proc, *proc.children(recursive=True)]:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total


# --- the conversations ---------------------------------------------------------------------


class Load:
    """Closed-loop conversations against one server; turns are counted while ``counting``."""

    def __init__(self, server: Server, applicants: Iterator[str], tag: str) -> None:
        self.server = server
        self.applicants = applicants
        self.tag = tag
        self.numbers = itertools.count()
        self.counting = False
        self.stopping = False
        self.result = Level()

    async def run(self, http: ClientSession, concurrency: int, warmup: float, seconds: float):
        """Run ``concurrency`` conversation loops; returns the :class:`Level` measured.

        One conversation first, alone: what a server loads on its first turns is not timed."""
        await self._conversation(http, next(self.numbers))
        loops = [asyncio.create_task(self._loop(http, warmup)) for _ in range(concurrency)]
        await asyncio.sleep(warmup)
        cpu0, t0 = self.server.cpu_seconds(), time.perf_counter()
        self.counting = True
        await asyncio.sleep(seconds)
        self.counting = False
        self.result.cpu_seconds = self.server.cpu_seconds() - cpu0
        self.result.seconds = time.perf_counter() - t0
        self.result.load = os.getloadavg()[0]
        self.stopping = True
        await asyncio.gather(*loops)
        return self.result

    async def _loop(self, http: ClientSession, warmup: float) -> None:
        # Each starts at a random moment of the warm-up: started together, the conversations
        # stay in step (every one signs in at once, then every one says thanks), and the
        # heavy turns queue only behind each other.
        await asyncio.sleep(random.uniform(0, warmup / 2))
        while not self.stopping:
            await self._conversation(http, next(self.numbers))

    async def _conversation(self, http: ClientSession, n: int) -> None:
        sender = f"load-{self.tag}-{n}"
        jiuzhu = self.server.name == "jiuzhu"
        id_number = next(self.applicants)
        for text in (GREETING, APPLY, CONSENT, id_number):
            said = await self._say(http, sender, text)
            if said is None or self.stopping:
                return
        code = CODE.search(said)
        if jiuzhu and code is None:
            self._error()
            return
        said = await self._say(http, sender, code.group(1) if code else "123456")
        if said is None or self.stopping:
            return
        if jiuzhu and PRECHECKED not in said:
            self._error()
            return
        for text in (BENEFITS, THANKS):
            if await self._say(http, sender, text) is None or self.stopping:
                return

    async def _say(self, http: ClientSession, sender: str, text: str) -> str | None:
        """One turn; the answer's text, or None after an error."""
        counted = self.counting
        started = time.perf_counter()
        body = {"sender": sender, "message": text, "message_id": secrets.token_hex(8)}
        try:
            async with http.post(self.server.url + WEBHOOK, json=body) as response:
                answer = await response.json() if response.status == 200 else None
        except (TimeoutError, OSError, ValueError):
            answer = None
        elapsed = (time.perf_counter() - started) * 1000
        said = "\n".join(m.get("text", "") for m in answer) if answer else None
        if said is None or any(a in said for a in APOLOGIES):
            if counted and self.counting:
                self._error()
            return None
        if counted and self.counting:
            self.result.turns += 1
            self.result.latencies_ms.append(elapsed)
        return said

    def _error(self) -> None:
        if self.counting:
            self.result.errors += 1


async def drive(server: Server, applicants: Iterator[str], concurrency: int, seconds: float):
    """Measure one level against ``server``."""
    timeout = ClientTimeout(total=60)
    async with ClientSession(connector=TCPConnector(limit=0), timeout=timeout) as http:
        load = Load(server, applicants, secrets.token_hex(3))
        return await load.run(http, concurrency, max(2.0, seconds / 4), seconds)


# --- the servers ---------------------------------------------------------------------------


def _env(data_dir: Path, redis_prefix: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
    env.update(JIUZHU_DATA_DIR=str(data_dir), JIUZHU_ENV="demo")
    if redis_prefix:
        env.update(JIUZHU_REDIS_URL=REDIS_URL, JIUZHU_REDIS_PREFIX=redis_prefix)
    return env


def prepare(jiuzhu: Path, directory: Path, families: int) -> list[str]:
    """A data directory with a migrated demo database and the local NLU model; returns the
    demo applicants' ID numbers (those with a phone).

    The NLU model (minutes to train here) is kept between runs in ``~/.cache/jiuzhu/
    chat-load/nlu-<hash of the jiuzhu path>``; ``nlu train --if-stale`` retrains a stale one."""
    env = _env(directory, None)
    key = hashlib.sha256(str(jiuzhu).encode()).hexdigest()[:12]
    cached = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cached = cached / "jiuzhu" / "chat-load" / f"nlu-{key}"
    if cached.exists():
        shutil.copytree(cached, directory / "nlu")
    for args in (["db", "upgrade"], ["demo-data", "--families", str(families)],
                 ["nlu", "train", "--if-stale"]):  # fmt: skip
        subprocess.run([str(jiuzhu), *args], env=env, check=True, capture_output=True)
    shutil.rmtree(cached, ignore_errors=True)
    shutil.copytree(directory / "nlu", cached)
    python = jiuzhu.parent / "python"
    out = subprocess.run([str(python), "-c", _IDS], env=env, check=True, capture_output=True)
    return json.loads(out.stdout)


def start_jiuzhu(jiuzhu: Path, template: Path, run_dir: Path, redis_prefix: str | None) -> Server:
    """``jiuzhu serve`` on a fresh copy of ``template``, once it answers ``/healthz``."""
    shutil.copytree(template, run_dir)
    port = rasa_env.free_port()
    log = open(run_dir / "serve.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [str(jiuzhu), "serve", "--port", str(port)], env=_env(run_dir, redis_prefix),
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    _wait(url + "/healthz", proc, run_dir / "serve.log")
    return Server("jiuzhu", url, proc, proc.pid)


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited ({proc.returncode}); see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"the server did not answer {url} in {timeout:.0f} s; see {log}")


def stop(server: Server) -> None:
    """SIGTERM to the server's process group; SIGKILL after 20 s."""
    if server.process is None or server.process.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.process.wait(5)


def start_rasa() -> tuple[Server, rasa_env.RasaServer]:
    """``rasa run`` with the REST channel on the benchmark's model (trained if missing)."""
    from benchmarks import rasa_bot

    model = rasa_bot.ensure_model()
    data_dir = rasa_bot.cache_dir()
    (data_dir / "credentials.yml").write_text("rest:\n", "utf-8")  # rasa run reads it in cwd
    rasa = rasa_env.start_server(rasa_env.default_venv(), data_dir, model)
    return Server("rasa", rasa.url, None, rasa.process.pid), rasa


def profile(server: Server, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    """py-spy, attached to ``server`` for ``seconds``, writing collapsed stacks to ``out``."""
    py_spy = Path(sys.executable).parent / "py-spy"
    cmd = [str(py_spy), "record", "--pid", str(server.pid), "--duration", str(int(seconds)),
           "--rate", "200", "--format", "raw", "--output", str(out), "--nonblocking"]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# --- the table -----------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def table(results: dict[tuple[str, int], list[Level]], levels: list[int]) -> str:
    """The comparison as a Markdown table (medians of the rounds)."""
    head = (
        "| conc. | jiuzhu turns/s | Rasa turns/s | ratio | jiuzhu p50/p95/p99 ms "
        "| Rasa p50/p95/p99 ms | CPU ms/turn jiuzhu / Rasa | errors jiuzhu / Rasa | load |"
    )
    rows = [head, "|" + "---|" * 9]
    for c in levels:
        j, r = results.get(("jiuzhu", c), []), results.get(("rasa", c), [])

        def q(levels_: list[Level]) -> str:
            if not levels_:
                return "–"
            return "/".join(
                f"{_median([x.quantile(p) for x in levels_]):.1f}" for p in (50, 95, 99)
            )

        ratios = [a.rate / b.rate for a, b in zip(j, r, strict=False) if b.rate]
        rows.append(
            f"| {c} | {_median([x.rate for x in j]):.0f} | "
            f"{_median([x.rate for x in r]):.0f} | "
            f"{f'{_median(ratios):.2f}×' if ratios else '–'} | {q(j)} | {q(r)} | "
            f"{_median([x.cpu_ms for x in j]):.1f} / {_median([x.cpu_ms for x in r]):.1f} | "
            f"{sum(x.errors for x in j)} / {sum(x.errors for x in r)} | "
            f"{'/'.join(f'{x.load:.1f}' for x in j + r)} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 round, levels 1,10, 2 s")
    parser.add_argument("--levels", default="1,10,50,200")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--families", type=int, default=3000)
    parser.add_argument("--rasa", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--redis", action="store_true", help="JIUZHU_REDIS_URL=" + REDIS_URL)
    parser.add_argument("--jiuzhu", type=Path, default=ROOT / ".venv" / "bin" / "jiuzhu")
    parser.add_argument("--profile", type=Path, help="py-spy output folder (extra level 50)")
    args = parser.parse_args(argv)
    if args.quick:
        args.levels, args.rounds, args.seconds = "1,10", 1, 2.0
        args.families = min(args.families, 300)
    use_rasa = args.rasa if args.rasa is not None else not args.quick
    levels = [int(c) for c in args.levels.split(",")]
    results: dict[tuple[str, int], list[Level]] = {}
    with tempfile.TemporaryDirectory(prefix="chat-load-") as tmp:
        template = Path(tmp) / "template"
        ids = prepare(args.jiuzhu.resolve(), template, args.families)
        print(f"{len(ids)} demo applicants; levels {levels}, {args.rounds} round(s) of "
              f"{args.seconds:g} s", file=sys.stderr)  # fmt: skip
        applicants = itertools.cycle(ids)
        rasa, handle = start_rasa() if use_rasa else (None, None)
        try:
            for rnd in range(args.rounds):
                prefix = f"jiuzhu-bench-{secrets.token_hex(4)}" if args.redis else None
                run_dir = Path(tmp) / f"run-{rnd}"
                server = start_jiuzhu(args.jiuzhu.resolve(), template, run_dir, prefix)
                try:
                    for c in levels:
                        level = asyncio.run(drive(server, applicants, c, args.seconds))
                        results.setdefault(("jiuzhu", c), []).append(level)
                        _progress("jiuzhu", rnd, c, level)
                        if rasa is not None:
                            level = asyncio.run(drive(rasa, applicants, c, args.seconds))
                            results.setdefault(("rasa", c), []).append(level)
                            _progress("rasa", rnd, c, level)
                    if args.profile and rnd == 0:
                        _profile_pass(server, applicants, args.profile, args.seconds)
                finally:
                    stop(server)
                    if prefix:
                        _drop_redis(prefix)
                    shutil.rmtree(run_dir, ignore_errors=True)
        finally:
            if handle is not None:
                handle.stop()
    print(table(results, levels))


def _profile_pass(server: Server, applicants: Iterator[str], out: Path, seconds: float) -> None:
    """One more 50-conversation level, not counted, with py-spy attached (it slows the
    server down: the timed levels run without it)."""
    out.mkdir(parents=True, exist_ok=True)
    spy = profile(server, seconds + 2, out / f"{server.name}-50.txt")
    asyncio.run(drive(server, applicants, 50, seconds))
    spy.wait(60)


def _progress(name: str, rnd: int, c: int, x: Level) -> None:
    print(f"round {rnd + 1} {name:6} c={c:<4} {x.rate:7.1f} turns/s p50 {x.quantile(50):7.1f} "
          f"p95 {x.quantile(95):7.1f} p99 {x.quantile(99):7.1f} ms cpu {x.cpu_ms:5.1f} ms/turn "
          f"errors {x.errors} load {x.load:.2f}", file=sys.stderr, flush=True)  # fmt: skip


def _drop_redis(prefix: str) -> None:
    from redis import Redis

    redis = Redis.from_url(REDIS_URL)
    keys = list(redis.scan_iter(f"{prefix}:*"))
    if keys:
        redis.delete(*keys)
    redis.close()


if __name__ == "__main__":
    main()
