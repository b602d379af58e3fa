"""``jiuzhu nlu ...`` as an operator runs it: a real process, its output and exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlu.rasa_env import RasaServer, free_port

JIUZHU = str(Path(sys.executable).parent / "jiuzhu")

EVAL_DATA = """version: "3.1"
nlu:
- intent: apply_assistance
  examples: |
    - 我想申请[低保](program)
    - 點樣申請[臨時救助](program)
- intent: thank
  examples: |
    - 多谢晒
- intent: inform
  examples: |
    - 家里[三](person_count)口人，收入[两千五](amount)
- intent: greet
  examples: |
    - 我要投诉
"""


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "JIUZHU_DATA_DIR": str(tmp_path / "var"), **env}
    return subprocess.run([JIUZHU, "nlu", *args], capture_output=True, text=True,
                          env=environ, cwd=tmp_path, timeout=600)  # fmt: skip


def test_train_then_if_stale(tmp_path: Path) -> None:
    first = run(tmp_path, "train", "--if-stale")
    assert first.returncode == 0, first.stderr
    assert "trained local NLU on" in first.stdout
    assert (tmp_path / "var" / "nlu" / "local_model.npz").exists()
    again = run(tmp_path, "train", "--if-stale")
    assert again.returncode == 0
    assert "is current" in again.stdout


def test_parse_prints_json(tmp_path: Path) -> None:
    out = run(tmp_path, "parse", "唔該，我想攞低保，屋企四個人，住福田")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # no jieba banner, no warnings
    result = json.loads(out.stdout)
    assert result["intent"]["name"] == "apply_assistance"
    assert result["engine"] == "local"
    assert [(e["entity"], e["value"]) for e in result["entities"]] == [
        ("program", "dibao"), ("person_count", 4), ("region", "440304"),
    ]  # fmt: skip


def test_bad_engine_is_a_one_line_error(tmp_path: Path) -> None:
    out = run(tmp_path, "parse", "你好", "--engine", "watson")
    assert out.returncode == 2
    assert out.stderr.strip() == "error: --engine must be local or rasa, not 'watson'"


def test_eval_json_and_text(tmp_path: Path) -> None:
    data = tmp_path / "eval.yml"
    data.write_text(EVAL_DATA, "utf-8")
    out = run(tmp_path, "eval", "--data", str(data), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert {"intent_accuracy", "macro_f1", "per_intent", "entity_f1", "errors"} <= set(report)
    assert report["examples"] == 5
    # The last example is labelled greet on purpose: exactly that one is wrong.
    assert report["intent_accuracy"] == 0.8
    assert [e["text"] for e in report["errors"]] == ["我要投诉"]
    assert report["errors"][0]["predicted"] == "complain"
    assert report["per_intent"]["greet"]["recall"] == 0.0
    assert report["entity_f1"] == 1.0
    text = run(tmp_path, "eval", "--data", str(data))
    assert text.returncode == 0
    assert "intent accuracy 0.800" in text.stdout
    assert "greet -> complain" in text.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), ("nlu: []\n", "no intent examples"), ("[", "cannot read")],
)
def test_eval_bad_data(tmp_path: Path, content: str | None, message: str) -> None:
    data = tmp_path / "eval.yml"
    if content is not None:
        data.write_text(content, "utf-8")
    out = run(tmp_path, "eval", "--data", str(data))
    assert out.returncode == 2
    assert message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_eval_rasa_when_server_is_down(tmp_path: Path) -> None:
    data = tmp_path / "eval.yml"
    data.write_text(EVAL_DATA, "utf-8")
    out = run(tmp_path, "eval", "--data", str(data), "--engine", "rasa",
              JIUZHU_RASA_URL=f"http://127.0.0.1:{free_port()}")  # fmt: skip
    assert out.returncode == 1
    assert "does not answer" in out.stderr
    assert "rasa-serve" in out.stderr


def test_rasa_setup_with_a_wrong_python(tmp_path: Path) -> None:
    out = run(tmp_path, "rasa-setup", "--venv", str(tmp_path / "venv"),
              "--python", sys.executable)  # fmt: skip
    assert out.returncode == 1
    assert "is not a Python 3.8-3.10 interpreter" in out.stderr
    assert not (tmp_path / "venv").exists()


def test_rasa_train_without_venv(tmp_path: Path) -> None:
    out = run(tmp_path, "rasa-train", "--venv", str(tmp_path / "nothing"))
    assert out.returncode == 1
    assert "jiuzhu nlu rasa-setup" in out.stderr


@pytest.mark.rasa
def test_parse_and_eval_against_rasa(tmp_path: Path, rasa_server: RasaServer) -> None:
    env = {"JIUZHU_RASA_URL": rasa_server.url, "JIUZHU_RASA_TOKEN": rasa_server.token or ""}
    out = run(tmp_path, "parse", "我想申请低保", "--engine", "rasa", **env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["engine"] == "rasa"
    assert result["intent"]["name"] == "apply_assistance"
    data = tmp_path / "eval.yml"
    data.write_text(EVAL_DATA, "utf-8")
    report = json.loads(run(tmp_path, "eval", "--data", str(data), "--engine", "rasa",
                            "--json", **env).stdout)  # fmt: skip
    assert report["engine"] == "rasa"
    assert report["examples"] == 5
    assert "我要投诉" in [e["text"] for e in report["errors"]]


@pytest.mark.rasa
def test_rasa_serve_serves_and_stops_on_sigterm(tmp_path: Path, rasa_server: RasaServer) -> None:
    import signal
    import time
    import urllib.request

    port = free_port()
    env = {
        **os.environ,
        "JIUZHU_DATA_DIR": str(tmp_path / "var"),
        "JIUZHU_RASA_TOKEN": "serve-test",
        "JIUZHU_RASA_URL": f"http://127.0.0.1:{port}",
    }
    proc = subprocess.Popen(
        [JIUZHU, "nlu", "rasa-serve", "--model", str(rasa_server.model)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    status = f"http://127.0.0.1:{port}/status?token=serve-test"
    try:
        deadline = time.monotonic() + 180
        body = b""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(status, timeout=2) as resp:
                    body = resp.read()
                    break
            except OSError:
                time.sleep(0.5)
        assert b"model_file" in body
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert "stopping the Rasa server" in out
    with pytest.raises(OSError):  # the Rasa process went with it
        urllib.request.urlopen(status, timeout=2)
