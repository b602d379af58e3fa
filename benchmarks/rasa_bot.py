"""A Rasa 3.6 assistant doing per turn what jiuzhu's chat turn does, for ``chat_load``.

Built from our own ``nlu/`` project: the same pipeline (Jieba + DIET, ``nlu/config.yml``;
fewer epochs: :data:`EPOCHS`) and normalised training data, plus ``RulePolicy`` with one
rule per intent answering a response with buttons (and one for ``nlu_fallback``). Trained
with ``rasa train`` in the Rasa venv (``nlu/rasa_env.py``); the model is cached outside the
repository, under ``$XDG_CACHE_HOME/jiuzhu/rasa-bench`` (``~/.cache/...``), named by the
SHA-256 of its inputs and the Rasa version, so a second run reuses it. Training takes many
minutes on two cores.

Run ``.venv/bin/python -m benchmarks.rasa_bot`` to train (or find) the model and print its path.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import yaml

from nlu import rasa_env, training_data

FALLBACK = "nlu_fallback"
EPOCHS = 10
"""DIET's training epochs here (``nlu/config.yml``: 100, over an hour on this loaded machine).
A turn's work does not depend on them: the network and its features are the same size."""
_BUTTONS = (("是", "/affirm"), ("不是", "/deny"), ("转人工", "/ask_human"))


def cache_dir() -> Path:
    """Where trained models and their projects are kept (outside the repository)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "jiuzhu" / "rasa-bench"


def project_files() -> dict[str, str]:
    """The project's files by relative path: ``config.yml``, ``domain.yml``,
    ``data/nlu.yml`` (normalised like ``jiuzhu nlu rasa-train``) and ``data/rules.yml``."""
    config = yaml.safe_load(training_data.CONFIG_FILE.read_text("utf-8"))
    config["policies"] = [{"name": "RulePolicy"}]
    for component in config["pipeline"]:
        if component["name"] == "DIETClassifier":
            component["epochs"] = EPOCHS
    domain = yaml.safe_load(training_data.DOMAIN_FILE.read_text("utf-8"))
    intents = list(domain["intents"])
    domain["responses"] = {
        f"utter_{name}": [
            {
                "text": f"收到（{name}）。请问还有什么可以帮您？",
                "buttons": [{"title": t, "payload": p} for t, p in _BUTTONS],
            }
        ]
        for name in [*intents, FALLBACK]
    }
    rules = [
        {"rule": name, "steps": [{"intent": name}, {"action": f"utter_{name}"}]}
        for name in [*intents, FALLBACK]
    ]
    tmp = cache_dir() / "nlu-tmp.yml"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    training_data.write_rasa_data(training_data.load(), tmp)
    nlu_text = tmp.read_text("utf-8")
    tmp.unlink()

    def dump(doc: object) -> str:
        return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)

    return {
        "config.yml": dump(config),
        "domain.yml": dump(domain),
        "data/nlu.yml": nlu_text,
        "data/rules.yml": dump({"version": "3.1", "rules": rules}),
    }


def model_name(files: dict[str, str]) -> str:
    """``jiuzhu-bench-<first 12 hex of SHA-256 over the files and the Rasa version>``."""
    h = hashlib.sha256(rasa_env.RASA_VERSION.encode())
    for path in sorted(files):
        h.update(f"\0{path}\0{files[path]}".encode())
    return f"jiuzhu-bench-{h.hexdigest()[:12]}"


def ensure_model(venv: Path | None = None, echo=print) -> Path:
    """The trained model's ``.tar.gz``: the cached one, else trained now (many minutes).

    :raises nlu.exceptions.RasaSetupError: no Rasa venv (``jiuzhu nlu rasa-setup``).
    :raises RuntimeError: ``rasa train`` failed (its log is next to the project).
    """
    venv = rasa_env.default_venv(venv)
    files = project_files()
    name = model_name(files)
    models = cache_dir() / "models"
    model = models / f"{name}.tar.gz"
    if model.exists():
        return model
    if not rasa_env.is_ready(venv):
        rasa_env.setup(venv, echo=echo)
    project = cache_dir() / "projects" / name
    for path, text in files.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text, "utf-8")
    echo(f"training the benchmark's Rasa model {name} (many minutes) ...")
    log = project / "train.log"
    cmd = [
        str(rasa_env.rasa_bin(venv)), "train",
        "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
        "--out", str(models), "--fixed-model-name", name,
    ]  # fmt: skip
    with open(log, "wb") as out:
        done = subprocess.run(
            cmd, stdout=out, stderr=subprocess.STDOUT, cwd=project, timeout=7200,
            env=rasa_env.rasa_environment(cache_dir()),
        )  # fmt: skip
    if done.returncode != 0 or not model.exists():
        msg = f"rasa train failed (status {done.returncode}); see {log}"
        raise RuntimeError(msg)
    return model


if __name__ == "__main__":
    print(ensure_model())
