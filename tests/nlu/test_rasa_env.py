"""The Rasa venv and project helpers (the server itself is exercised by the contract tests)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from nlu import rasa_env, training_data
from nlu.exceptions import RasaSetupError


def test_default_venv_is_outside_the_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JIUZHU_RASA_VENV", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    venv = rasa_env.default_venv()
    assert venv == Path.home() / ".local" / "share" / "jiuzhu" / "rasa-3.6.21"
    assert training_data.PROJECT_DIR.parent not in venv.parents


def test_default_venv_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JIUZHU_RASA_VENV", str(tmp_path / "env"))
    assert rasa_env.default_venv() == tmp_path / "env"
    assert rasa_env.default_venv(tmp_path / "flag") == tmp_path / "flag"


def test_find_python_rejects_a_wrong_version() -> None:
    with pytest.raises(RasaSetupError, match=r"3\.8-3\.10"):
        rasa_env.find_python(Path(sys.executable))  # jiuzhu's own 3.11+
    with pytest.raises(RasaSetupError, match=r"3\.8-3\.10"):
        rasa_env.find_python(Path("/nonexistent/python3.10"))


def test_find_python_without_any_310(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RasaSetupError, match=r"pyenv install 3\.10"):
        rasa_env.find_python()


def test_find_python_finds_pyenv_310() -> None:
    try:
        python = rasa_env.find_python()
    except RasaSetupError as e:
        pytest.skip(str(e))
    assert python.name == "python3.10"


def test_an_empty_folder_is_not_a_rasa_venv(tmp_path: Path) -> None:
    assert not rasa_env.is_ready(tmp_path)


def test_build_project_writes_normalised_data(tmp_path: Path) -> None:
    project = rasa_env.build_project(tmp_path / "p")
    config = yaml.safe_load((project / "config.yml").read_text("utf-8"))
    assert config["language"] == "zh"
    assert (project / "domain.yml").exists()
    text = (project / "data" / "nlu.yml").read_text("utf-8")
    assert "点样攞[低保](program)" in text  # traditional -> simplified, annotation kept
    assert "[3500](amount)" in text  # 三千五 -> 3500
    again = training_data.load(project / "data" / "nlu.yml")
    assert len(again.examples) == len(training_data.load().examples)


def test_model_name_follows_the_examples() -> None:
    data = training_data.load()
    train, _ = data.examples[:100], data.examples[100:]
    assert rasa_env.model_name() == rasa_env.model_name()
    assert rasa_env.model_name(train) != rasa_env.model_name()


def test_rasa_environment_keeps_home_in_data_dir(tmp_path: Path) -> None:
    env = rasa_env.rasa_environment(tmp_path)
    assert env["HOME"] == str((tmp_path / "rasa" / "home").resolve())
    assert env["RASA_TELEMETRY_ENABLED"] == "false"


@pytest.mark.rasa
def test_setup_reuses_a_matching_venv() -> None:
    from tests.conftest import rasa_venv

    venv = rasa_venv()
    lines: list[str] = []
    assert rasa_env.setup(venv, echo=lines.append) == "reused"
    assert "already installed" in lines[0]
