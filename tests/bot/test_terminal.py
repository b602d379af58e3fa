"""``jiuzhu chat`` and ``jiuzhu serve`` as real subprocesses.

They run as ``python -m bot`` (the same commands ``jiuzhu`` registers), so they do not
depend on the other packages' commands being importable.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.channels.gateway import Gateway
from bot.channels.terminal import TerminalChat
from jiuzhu.settings import Settings
from store.migrate import upgrade
from templates import texts

L10N = texts("bot")
ROOT = Path(__file__).resolve().parents[2]
SLOW = pytest.mark.slow  # each subprocess imports aiogram (~3 s)


def deployed(tmp_path: Path) -> None:
    """``jiuzhu db upgrade`` for a data directory: the deploy step before any worker starts."""
    upgrade(Settings(data_dir=tmp_path))


def chat(stdin: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    deployed(tmp_path)
    env = {**os.environ, "JIUZHU_DATA_DIR": str(tmp_path), "JIUZHU_REDIS_URL": ""}
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )


@SLOW
def test_piped_chat_one_line_per_turn_numbers_press_buttons(tmp_path: Path) -> None:
    result = chat("\n3\n\n/help\n1\n你好\n/cancel\n", tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # The chat opens with the welcome and the numbered menu.
    assert out.startswith(L10N.t("welcome"))
    assert "  [1] 查看我的待遇\n" in out and "  [6] 转人工\n" in out
    # "3" pressed the third button; empty lines were ignored (no extra turns).
    assert "> 3 → 申请进度\n" in out
    assert out.count("\n> ") == 5
    assert "> /help\n" + L10N.t("help") in out
    # After /help (no buttons on screen) a number is text, not a button press.
    assert "> 1\n" in out
    assert "> /cancel\n" in out
    assert "Traceback" not in result.stderr


@SLOW
def test_a_long_piped_conversation_is_not_throttled(tmp_path: Path) -> None:
    result = chat("/help\n" * 20, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(L10N.t("help")) == 20
    assert "您发得太快了" not in result.stdout


@SLOW
def test_empty_stdin_exits_after_the_welcome(tmp_path: Path) -> None:
    result = chat("", tmp_path, "--sender", "13800000000")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(L10N.t("welcome"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@SLOW
def test_serve_answers_over_http_with_token(tmp_path: Path) -> None:
    deployed(tmp_path)
    port = _free_port()
    env = {
        **os.environ,
        "JIUZHU_DATA_DIR": str(tmp_path),
        "JIUZHU_REST_TOKEN": "t0ken",
        "JIUZHU_REDIS_URL": "",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as resp:
                    assert json.load(resp) == {"status": "ok"}
                    break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.1)
        body = json.dumps({"sender": "alice", "message": "/start"}).encode()
        request = urllib.request.Request(
            base + "/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        try:
            urllib.request.urlopen(request, timeout=5)
            raise AssertionError("expected 401 without the token")
        except urllib.error.HTTPError as e:
            assert e.code == 401
        request.add_header("Authorization", "Bearer t0ken")
        with urllib.request.urlopen(request, timeout=5) as resp:
            [reply] = json.load(resp)
        assert reply["text"] == L10N.t("welcome")
        assert len(reply["buttons"]) == 6
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_documents_are_saved_and_their_path_printed(
    make_gateway: Callable[..., Gateway], tmp_path: Path
) -> None:
    gateway = make_gateway()
    gateway.channel = "terminal"
    out = io.StringIO()
    chat_ = TerminalChat(gateway, "13800000000", tmp_path, stdin=io.StringIO("/doc\n"), stdout=out)
    await chat_.run(greet=False)
    [saved] = list(tmp_path.rglob("*.pdf"))
    assert saved.read_bytes() == b"%PDF-1.4 demo"
    assert saved.name == "幸福清单.pdf"
    assert "13800000000" not in str(saved)  # the sender (maybe a phone number) is hashed
    assert L10N.t("terminal-document-saved", path=saved.resolve()) in out.getvalue()


async def test_numbers_press_the_buttons_on_screen(
    make_gateway: Callable[..., Gateway], tmp_path: Path
) -> None:
    gateway = make_gateway()
    out = io.StringIO()
    stdin = io.StringIO("/menu\n3\n1\n/demo\n1\n7\n/menu\n9\n")
    await TerminalChat(gateway, "alice", tmp_path, stdin=stdin, stdout=out).run(greet=False)
    text = out.getvalue()
    assert "> 3 → 申请进度\ndemo: menu status\n" in text
    # No buttons on screen after "demo: menu status": "1" is text.
    assert "> 1\ndemo: text 1\n" in text
    # /demo shows one button: "1" presses it; then no buttons: "7" is text.
    assert "> 1 → 跳过\nskipped\n" in text
    assert "> 7\ndemo: got 7\n" in text
    # Six buttons on screen: "9" is a slip, answered with a hint and not sent.
    assert L10N.t("terminal-no-such-button", count=6) in text
    assert "demo: text 9" not in text
