"""The four stories typed into ``jiuzhu chat`` with piped stdin, as a real subprocess.

The one-time code is random, so the test writes lines up to the ID number, reads the
demo-mode code from the output, then writes the rest and closes stdin (EOF ends the chat).
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET, TEST_TODAY
from tests.journeys.conftest import demo_database, story_ids

pytestmark = pytest.mark.slow


class Chat:
    """``python -m jiuzhu chat`` fed line by line."""

    def __init__(self, data_dir: Path, sender: str) -> None:
        env = os.environ | {"JIUZHU_DATA_DIR": str(data_dir), "JIUZHU_SECRET_KEY": TEST_SECRET,
                            "JIUZHU_TODAY": TEST_TODAY.isoformat(),
                            "PYTHONUNBUFFERED": "1"}  # fmt: skip
        env.pop("JIUZHU_DATABASE_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jiuzhu", "chat", "--sender", sender],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env=env, encoding="utf-8",
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def type(self, *lines: str) -> None:
        assert self.process.stdin is not None
        for line in lines:
            self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        while True:
            match = re.search(pattern, "".join(self.output))
            if match:
                return match
            try:
                self.output.append(self.lines.get(timeout=timeout))
            except queue.Empty:
                msg = f"no {pattern!r} in:\n{''.join(self.output)}"
                raise AssertionError(msg) from None

    def finish(self, timeout: float = 120) -> str:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=timeout)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return "".join(self.output)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded default (SQLite file in the data dir) with the demo families."""
    path = tmp_path_factory.mktemp("chat")
    demo_database("sqlite", path)
    return path


def _sign_in(chat: Chat, id_number: str) -> None:
    chat.type(id_number)
    code = chat.wait_for(r"本次验证码：(\d{6})").group(1)
    chat.type(code)


def test_story_a_typed_in_the_terminal(data_dir: Path) -> None:
    chat = Chat(data_dir, "story-a")
    chat.type("你好", "我想申请低保", "1")  # [1] 同意授权
    _sign_in(chat, story_ids("A")[0])
    chat.type("3")  # [3] 查看我的待遇
    out = chat.finish()
    assert chat.process.returncode == 0, out
    assert "单独纳入低保（单人户）：符合条件" in out
    assert "幸福清单" in out and "每月合计：817 元" in out
    assert "Traceback" not in out


@pytest.mark.parametrize("story", ["B", "C"])
def test_stories_b_and_c_refusal_explained_in_the_terminal(data_dir: Path, story: str) -> None:
    chat = Chat(data_dir, f"story-{story}")
    chat.type("2", "同意")  # [2] 申请/测算, typed consent
    _sign_in(chat, story_ids(story)[0])
    chat.type("2")  # [2] 下载核查报告
    out = chat.finish()
    assert chat.process.returncode == 0, out
    assert "最低生活保障（低保）：不符合条件" in out
    assert "超过 1 套的规定" in out and "人工复核" in out
    saved = re.search(r"(/\S+核查报告-P\d+\.html)", out)
    assert saved and "2 套住房" in Path(saved.group(1)).read_text(encoding="utf-8")


def test_story_d_home_visit_in_the_terminal(data_dir: Path) -> None:
    chat = Chat(data_dir, "story-d")
    chat.type("申请救助", "1")
    _sign_in(chat, story_ids("D")[0])
    chat.type("1", "1", "申请进度")  # [1] 提交申请, [1] 低保, then the status typed
    out = chat.finish()
    assert chat.process.returncode == 0, out
    assert "需要入户核查后确定" in out
    assert "申请已提交" in out and "已提交，等待受理" in out
