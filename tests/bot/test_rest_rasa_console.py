"""Story A through Rasa 3.6's own console client (``rasa shell``'s code) against a real
``jiuzhu serve`` subprocess on loopback, with an auth token, streaming and not.

The client runs in the Rasa venv's Python (``rasa_console_driver.py``): it sends each line
with ``?token=`` as ``rasa shell`` does and prints every message with the console's own
printer; this test reads what it printed, presses buttons by their printed payloads, and
downloads the printed attachment URLs without any header. Without the Rasa venv the test
skips, saying so; with ``JIUZHU_REQUIRE_RASA=1`` it fails instead.
"""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET, TEST_TODAY, rasa_venv
from tests.journeys.conftest import demo_database, story_ids

pytestmark = [pytest.mark.rasa, pytest.mark.slow]
DRIVER = Path(__file__).with_name("rasa_console_driver.py")
TURN_END = "@@turn-end@@"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
BUTTON = re.compile(r"^\d+: (?P<title>.+?) \((?P<payload>[^()]*)\)$")



def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    """``python -m jiuzhu serve`` on a demo database, with a REST token."""

    def __init__(self, data_dir: Path, token: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
        env |= {"JIUZHU_DATA_DIR": str(data_dir), "JIUZHU_SECRET_KEY": TEST_SECRET,
                "JIUZHU_TODAY": TEST_TODAY.isoformat(), "JIUZHU_REST_TOKEN": token,
                "PYTHONUNBUFFERED": "1"}  # fmt: skip
        self.log = data_dir / "serve.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jiuzhu", "serve", "--port", str(self.port)],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip

    def wait_until_up(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"jiuzhu serve exited:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        pytest.fail(f"jiuzhu serve did not answer:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class Console:
    """The Rasa console driver: one line in, everything it printed for that turn out."""

    def __init__(self, python: Path, base: str, token: str, sender: str, mode: str) -> None:
        env = os.environ | {"PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
        self.process = subprocess.Popen(
            [str(python), str(DRIVER), base, token, sender, mode],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, encoding="utf-8", env=env,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.transcript: list[str] = []
        self.last: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(ANSI.sub("", line.rstrip("\n")))
        self.lines.put(TURN_END)  # the process ended: unblock a waiting turn

    def say(self, text: str, timeout: float = 180) -> str:
        """Send ``text``; returns what the console printed for it."""
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()
        printed: list[str] = []
        while (line := self.lines.get(timeout=timeout)) != TURN_END:
            printed.append(line)
        self.last = printed
        self.transcript += [f"> {text}", *printed]
        assert "Traceback" not in "\n".join(printed), "\n".join(self.transcript)
        return "\n".join(printed)

    def press(self, title: str) -> str:
        """Send the payload the console printed for the button ``title``."""
        for line in self.last:
            match = BUTTON.match(line)
            if match and match["title"] == title:
                return self.say(match["payload"])
        raise AssertionError(f"no button {title!r} in:\n" + "\n".join(self.last))

    def attachments(self) -> list[str]:
        return [line.removeprefix("Attachment: ") for line in self.last
                if line.startswith("Attachment: ")]  # fmt: skip

    def custom(self) -> list[dict]:
        """The ``custom`` JSON objects the console printed (after ``Custom json:``)."""
        text = "\n".join(self.last)
        found, decoder = [], json.JSONDecoder()
        for start in [m.end() for m in re.finditer(r"Custom json:\n", text)]:
            found.append(decoder.raw_decode(text[start:])[0])
        return found

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Serve, str, Path]]:
    python = rasa_venv() / "bin" / "python"
    data_dir = tmp_path_factory.mktemp("serve")
    demo_database("sqlite", data_dir)
    token = secrets.token_urlsafe(16)
    server = Serve(data_dir, token)
    try:
        server.wait_until_up()
        yield server, token, python
    finally:
        server.stop()


def _download(url: str) -> tuple[int, str, bytes]:
    """GET ``url`` with no header of ours; (status, content type, body)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get_content_type(), e.read()


def _assert_document(console: Console, expected: str) -> None:
    """The turn printed one attachment URL that downloads, headerless, what ``custom`` says."""
    [url] = console.attachments()
    [details] = console.custom()
    assert details["url"] == url and details["payload"] == "pdf_attachment"
    assert url.startswith("http://127.0.0.1:") and "token=" not in url
    status, content_type, body = _download(url)
    assert status == 200 and content_type == details["mime_type"] and len(body) == details["size"]
    if content_type == "application/pdf":
        assert body.startswith(b"%PDF-")
    else:
        assert expected in body.decode("utf-8")
    status, _, _ = _download(url.replace("sender=", "sender=x"))
    assert status == 404  # bound to the sender


@pytest.mark.parametrize("mode", ["stream", "block"])
def test_story_a_through_rasa_shell(served: tuple[Serve, str, Path], mode: str) -> None:
    server, token, python = served
    console = Console(python, server.base, token, f"rasa-shell-{mode}", mode)
    try:
        consent = console.say("你好，我想申请低保")
        assert "授权书" in consent and "Buttons:" in consent
        assert "身份证" in console.press("同意授权")
        code_turn = console.say(story_ids("A")[0])
        code = re.search(r"本次验证码：(\d{6})", code_turn)
        assert code, code_turn
        result = console.say(code.group(1))
        assert "身份确认成功" in result
        assert "单独纳入低保（单人户）：符合条件" in result
        assert "困难残疾人生活补贴：符合条件" in result
        # Masked names printed with their stars (fullwidth, so no Markdown renderer eats them).
        assert "覃＊" in result and "覃秀梅" not in result
        assert console.attachments() == []
        console.press("下载核查报告")
        _assert_document(console, "核查报告")
        listing = console.press("查看我的待遇")
        assert "幸福清单" in listing and "每月合计：817 元" in listing
        console.press("下载幸福清单")
        _assert_document(console, "幸福清单")
    finally:
        console.close()
    assert console.process.returncode == 0, "\n".join(console.transcript)


def test_a_wrong_token_is_refused_to_rasa_shell(served: tuple[Serve, str, Path]) -> None:
    server, _, python = served
    console = Console(python, server.base, "wrong", "rasa-shell-wrong", "block")
    try:
        with pytest.raises(AssertionError, match="Traceback"):
            console.say("你好")  # the console's raise_for_status: 401
        assert any("401" in line for line in console.last)
    finally:
        console.close()
