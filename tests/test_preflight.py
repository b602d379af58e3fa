"""Safe defaults: production refuses to start without each setting it needs (one line naming
it), and a demo on a non-loopback address warns that codes are shown in the chat."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jiuzhu.errors import ConfigError
from jiuzhu.preflight import preflight
from jiuzhu.settings import Settings
from tests.conftest import TEST_SECRET, migrated

READY = {
    "JIUZHU_ENV": "production", "JIUZHU_REST_TOKEN": "rest-token",
    "JIUZHU_SECRET_KEY": TEST_SECRET,
    "JIUZHU_SMS_PROVIDER": "aliyun", "JIUZHU_SMS_ACCESS_KEY_ID": "LTAI-id",
    "JIUZHU_SMS_ACCESS_KEY_SECRET": "secret", "JIUZHU_SMS_SIGN_NAME": "救助小助手",
    "JIUZHU_SMS_TEMPLATE_CODE": "SMS_465000001",
    "JIUZHU_TELEGRAM_TOKEN": "123:token", "JIUZHU_BOT_TOKEN": "123:token",
}  # fmt: skip
"""A production environment with everything set (the Telegram token only so that
``jiuzhu telegram`` gets as far as the check)."""


def _env(tmp_path: Path, **changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
    env |= READY | {"JIUZHU_DATA_DIR": str(tmp_path)}
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _refusal(env: dict[str, str], *command: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "jiuzhu", *command], env=env, capture_output=True, text=True,
        timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode != 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one clear line, no traceback
    return lines[0]


@pytest.mark.parametrize(
    ("missing", "value"),
    [("JIUZHU_REST_TOKEN", None), ("JIUZHU_SECRET_KEY", None), ("JIUZHU_SMS_PROVIDER", None),
     ("JIUZHU_SMS_PROVIDER", "demo"), ("JIUZHU_SMS_ACCESS_KEY_ID", None),
     ("JIUZHU_SMS_ACCESS_KEY_SECRET", " "), ("JIUZHU_SMS_SIGN_NAME", None),
     ("JIUZHU_SMS_TEMPLATE_CODE", None)],
)  # fmt: skip
def test_production_refuses_without_each_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, missing: str, value: str | None
) -> None:
    # In-process (the settings as the environment gives them); the commands' one-line
    # refusal is the subprocess test below.
    for name, set_to in _env(tmp_path, **{missing: value}).items():
        if name.startswith("JIUZHU_"):
            monkeypatch.setenv(name, set_to)
    if value is None:
        monkeypatch.delenv(missing, raising=False)
    with pytest.raises(ConfigError) as refused:
        preflight(Settings(_env_file=None), host="127.0.0.1")
    line = str(refused.value)
    assert line.startswith("JIUZHU_ENV=production refuses to start without")
    named = {name for name in READY if name in line and name != "JIUZHU_ENV"}
    assert named == {missing}, line


@pytest.mark.parametrize("command", [["telegram"], ["chat"], ["sms-worker"], ["serve"]])
def test_every_long_running_command_names_all_that_is_missing(
    tmp_path: Path, command: list[str]
) -> None:
    env = _env(tmp_path, JIUZHU_REST_TOKEN=None, JIUZHU_SECRET_KEY=None, JIUZHU_SMS_PROVIDER=None)
    line = _refusal(env, *command)
    for name in ("JIUZHU_REST_TOKEN", "JIUZHU_SECRET_KEY", "JIUZHU_SMS_PROVIDER"):
        assert name in line, line


def _serve_stderr(tmp_path: Path, host: str) -> str:
    """Start a demo ``jiuzhu serve`` on ``host``; its stderr until it is listening."""
    settings = migrated("sqlite", tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
    env |= {"JIUZHU_DATABASE_URL": settings.database_url, "JIUZHU_DATA_DIR": str(tmp_path),
            "JIUZHU_SECRET_KEY": TEST_SECRET}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "jiuzhu", "serve", "--host", host, "--port", "0"],
        env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    seen: list[str] = []
    deadline = time.monotonic() + 120
    try:
        assert process.stderr is not None
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            seen.append(line)
            if "Running on" in line:
                return "".join(seen)
    finally:
        process.terminate()
        process.wait(timeout=30)
    raise AssertionError("".join(seen))


def test_a_demo_on_every_interface_warns_that_codes_are_shown(tmp_path: Path) -> None:
    said = _serve_stderr(tmp_path, "0.0.0.0")
    [warning] = [line for line in said.splitlines() if line.startswith("warning:")]
    assert "0.0.0.0" in warning and "codes are shown in the chat" in warning
    assert "JIUZHU_ENV=production" in warning


def test_a_demo_on_loopback_does_not_warn(tmp_path: Path) -> None:
    assert "warning:" not in _serve_stderr(tmp_path, "127.0.0.1")
