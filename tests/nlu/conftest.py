"""NLU fixtures: the real training data, a local engine trained once per session, and a
real Rasa server (trained into a temporary folder, on a free loopback port).

Rasa tests are marked ``rasa``. Without the Rasa venv (``jiuzhu nlu rasa-setup``) they
skip, saying so; with ``JIUZHU_REQUIRE_RASA=1`` (CI) they fail instead.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from nlu import LocalNlu, rasa_env, training_data
from nlu.training_data import TrainingData
from tests.conftest import rasa_venv


@pytest.fixture(scope="session")
def data() -> TrainingData:
    """The project's training data (nlu/data)."""
    return training_data.load()


@pytest.fixture(scope="session")
def local_engine(tmp_path_factory: pytest.TempPathFactory, data: TrainingData) -> LocalNlu:
    """A local engine trained on all the data, its model in a temporary folder."""
    engine = LocalNlu(tmp_path_factory.mktemp("local-nlu"), data)
    engine.ensure_model()
    return engine



@pytest.fixture(scope="session")
def rasa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[rasa_env.RasaServer]:
    """A real ``rasa run --enable-api`` serving a model trained on all the data."""
    venv = rasa_venv()
    work = tmp_path_factory.mktemp("rasa")
    # Kept outside the repo and named by its inputs: unchanged data reuses the model (and CI
    # trains it in the background while the rest of the suite runs: .ci/run).
    model = rasa_env.train(venv, work, rasa_env.model_cache(), echo=lambda s: None)
    server = rasa_env.start_server(venv, work, model, token=secrets.token_urlsafe(16))
    try:
        yield server
    finally:
        server.stop()
