"""The Rasa server's own virtual environment, its training and its process.

Rasa 3.6 needs Python 3.8-3.10 and pins SQLAlchemy 1.4 and pydantic 1, so it cannot live
in jiuzhu's environment: it gets a venv outside the repository (default
``~/.local/share/jiuzhu/rasa-3.6.21``; ``JIUZHU_RASA_VENV`` or ``--venv`` to move it) and
jiuzhu only talks to it over HTTP. Rasa's HOME and caches are kept under
``<data_dir>/rasa`` and its telemetry is off.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nlu import training_data
from nlu.exceptions import RasaSetupError, RasaUnavailable
from nlu.training_data import CONFIG_FILE, DOMAIN_FILE, Example

RASA_VERSION = "3.6.21"
RASA_REQUIREMENT = f"rasa[jieba]=={RASA_VERSION}"
_MARKER = ".jiuzhu-rasa-version"


def default_venv(override: Path | None = None) -> Path:
    """Where the Rasa venv lives: ``override`` (settings ``rasa_venv``/``--venv``), else
    ``$XDG_DATA_HOME/jiuzhu/rasa-<version>`` (``~/.local/share/...``)."""
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get("JIUZHU_RASA_VENV")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "jiuzhu" / f"rasa-{RASA_VERSION}"


def rasa_bin(venv: Path) -> Path:
    """The venv's ``rasa`` executable."""
    return venv / "bin" / "rasa"


def is_ready(venv: Path) -> bool:
    """True when ``venv`` holds this Rasa version, installed by :func:`setup`."""
    marker = venv / _MARKER
    return (
        rasa_bin(venv).exists() and marker.exists() and marker.read_text().strip() == RASA_VERSION
    )


def find_python(override: Path | None = None) -> Path:
    """A Python 3.10 interpreter for the Rasa venv.

    Looks at ``override``, then pyenv (``$(pyenv root)/versions/3.10.*``), then
    ``python3.10`` on the PATH.

    :raises RasaSetupError: none found, or ``override`` is not Python 3.8-3.10.
    """
    if override is not None:
        version = _python_version(Path(override))
        if version is None or not (3, 8) <= version <= (3, 10):
            msg = f"--python {override} is not a Python 3.8-3.10 interpreter (Rasa needs one)"
            raise RasaSetupError(msg)
        return Path(override)
    candidates: list[Path] = []
    root = _pyenv_root()
    if root is not None:
        found = sorted(
            (root / "versions").glob("3.10.*/bin/python3.10"),
            key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.parent.name)],
            reverse=True,
        )
        candidates += found
    which = shutil.which("python3.10")
    if which:
        candidates.append(Path(which))
    for c in candidates:
        if _python_version(c) == (3, 10):
            return c
    msg = (
        "no Python 3.10 found for Rasa (looked in pyenv and on PATH): install one with "
        "`pyenv install 3.10` or pass --python /path/to/python3.10"
    )
    raise RasaSetupError(msg)


def _pyenv_root() -> Path | None:
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    pyenv = shutil.which("pyenv")
    if pyenv:
        try:
            out = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                return Path(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    home = Path.home() / ".pyenv"
    return home if home.exists() else None


def _python_version(python: Path) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [str(python), "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    parts = out.stdout.split()
    return (int(parts[0]), int(parts[1])) if out.returncode == 0 and len(parts) == 2 else None


def setup(venv: Path, python: Path | None = None, echo: Callable[[str], None] = print) -> str:
    """Build the Rasa venv at ``venv`` unless it already holds this version.

    :returns: ``"reused"`` or ``"built"``.
    :raises RasaSetupError: no Python 3.10, or creating the venv or pip failed.
    """
    if is_ready(venv):
        echo(f"Rasa {RASA_VERSION} already installed in {venv}")
        return "reused"
    if rasa_bin(venv).exists() and _installed_version(venv) == RASA_VERSION:
        (venv / _MARKER).write_text(RASA_VERSION)  # installed by hand: adopt it
        echo(f"Rasa {RASA_VERSION} found in {venv}; reusing it")
        return "reused"
    py = find_python(python)
    echo(f"building the Rasa venv in {venv} with {py} (takes a few minutes)")
    venv.parent.mkdir(parents=True, exist_ok=True)
    _run([str(py), "-m", "venv", "--clear", str(venv)], "create the Rasa venv")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    _run([*pip, "--upgrade", "pip<24.1"], "upgrade pip in the Rasa venv")
    _run([*pip, RASA_REQUIREMENT], f"pip install {RASA_REQUIREMENT}")
    if _installed_version(venv) != RASA_VERSION:
        msg = f"pip finished but Rasa {RASA_VERSION} is not importable in {venv}"
        raise RasaSetupError(msg)
    (venv / _MARKER).write_text(RASA_VERSION)
    echo(f"Rasa {RASA_VERSION} installed in {venv}")
    return "built"


def _installed_version(venv: Path) -> str | None:
    py = venv / "bin" / "python"
    if not py.exists():
        return None
    out = subprocess.run(
        [str(py), "-c", "import importlib.metadata as m; print(m.version('rasa'))"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return out.stdout.strip() if out.returncode == 0 else None


def _run(cmd: list[str], what: str) -> None:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.SubprocessError) as e:
        msg = f"could not {what}: {e}"
        raise RasaSetupError(msg) from e
    if out.returncode != 0:
        tail = (out.stderr or out.stdout).strip().splitlines()[-3:]
        msg = f"could not {what}: {' / '.join(tail)}"
        raise RasaSetupError(msg)


def rasa_environment(data_dir: Path) -> dict[str, str]:
    """Environment for Rasa processes: HOME and caches under ``<data_dir>/rasa``, no
    telemetry, quiet TensorFlow."""
    home = (data_dir / "rasa" / "home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        MPLCONFIGDIR=str(home / ".cache" / "matplotlib"),
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore",
    )
    return env


def build_project(out_dir: Path, examples: list[Example] | None = None) -> Path:
    """Write a trainable copy of the Rasa project with normalised training data.

    :param examples: train on these (a split); default all of ``nlu/data``.
    :returns: ``out_dir``, holding ``config.yml``, ``domain.yml`` and ``data/nlu.yml``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CONFIG_FILE, out_dir / "config.yml")
    shutil.copyfile(DOMAIN_FILE, out_dir / "domain.yml")
    td = training_data.load()
    training_data.write_rasa_data(td, out_dir / "data" / "nlu.yml", examples)
    return out_dir


def model_name(examples: list[Example] | None = None) -> str:
    """File stem of the model trained on the current data (changes with the data)."""
    digest = training_data.data_hash(None, CONFIG_FILE.read_text("utf-8"), RASA_VERSION)
    if examples is not None:
        digest = training_data.data_hash([], digest, *(f"{e.intent}|{e.text}" for e in examples))
    return f"jiuzhu-nlu-{digest[:12]}"


def model_cache() -> Path:
    """Where trained models are kept between runs, outside the repository:
    ``$XDG_CACHE_HOME/jiuzhu/rasa`` (``~/.cache/...``). Models are named by the hash of
    data, config and Rasa version, so unchanged data reuses its model."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jiuzhu" / "rasa"


def train(
    venv: Path,
    data_dir: Path,
    out_dir: Path,
    examples: list[Example] | None = None,
    echo: Callable[[str], None] = print,
) -> Path:
    """Train a Rasa NLU model (``rasa train nlu``): about 7 minutes on 5,600 examples and
    two quiet cores (``nlu/config.yml``).

    Callers that want the same model at once (CI trains it in the background while the suite
    runs) wait on a lock beside it, and the ones that waited reuse the model.

    :param out_dir: where the model ``.tar.gz`` is written.
    :returns: the model file; an existing model for the same data is reused.
    :raises RasaSetupError: the venv is not built.
    :raises RasaUnavailable: training failed.
    """
    _require(venv)
    name = model_name(examples)
    model = out_dir / f"{name}.tar.gz"
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if model.exists():
            echo(f"Rasa model {model} is current")
            return model
        return _train(venv, data_dir, out_dir, name, examples, echo)


def _train(
    venv: Path,
    data_dir: Path,
    out_dir: Path,
    name: str,
    examples: list[Example] | None,
    echo: Callable[[str], None],
) -> Path:
    model = out_dir / f"{name}.tar.gz"
    project = build_project(data_dir / "rasa" / "build" / name, examples)
    echo(f"training Rasa NLU model {name} ...")
    cmd = [
        str(rasa_bin(venv)), "train", "nlu",
        "--config", str(project / "config.yml"),
        "--nlu", str(project / "data"),
        "--out", str(out_dir),
        "--fixed-model-name", name,
    ]  # fmt: skip
    out = subprocess.run(
        cmd, capture_output=True, text=True, env=rasa_environment(data_dir), cwd=project,
        timeout=3600,
    )  # fmt: skip
    if out.returncode != 0 or not model.exists():
        tail = (out.stderr or out.stdout).strip().splitlines()[-5:]
        msg = f"rasa train nlu failed: {' / '.join(tail)}"
        raise RasaUnavailable(msg)
    echo(f"Rasa model written to {model}")
    return model


def _require(venv: Path) -> None:
    if not rasa_bin(venv).exists():
        msg = f"no Rasa venv at {venv}: build it with `jiuzhu nlu rasa-setup`"
        raise RasaSetupError(msg)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RasaServer:
    """A running ``rasa run --enable-api`` process (see :func:`start_server`)."""

    process: subprocess.Popen[bytes]
    url: str
    token: str | None
    log_file: Path
    model: Path | None = None

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the server (SIGTERM to its process group, SIGKILL after ``timeout`` s)."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def __enter__(self) -> RasaServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(
    venv: Path,
    data_dir: Path,
    model: Path,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    token: str | None = None,
    wait: float = 180.0,
) -> RasaServer:
    """Start ``rasa run --enable-api`` on ``model`` and wait until it serves it.

    :param port: default a free port.
    :param wait: seconds to wait for the model to load (usually about 10).
    :raises RasaUnavailable: the server exited or did not load the model in time.
    """
    _require(venv)
    port = port or free_port()
    log_file = data_dir / "rasa" / f"server-{port}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(rasa_bin(venv)), "run", "--enable-api", "-i", host, "-p", str(port),
        "-m", str(model), "--log-file", str(log_file),
    ]  # fmt: skip
    if token:
        cmd += ["--auth-token", token]
    with open(log_file, "ab") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=rasa_environment(data_dir),
            cwd=data_dir, start_new_session=True,  # own process group: stop() ends it all
        )  # fmt: skip
    server = RasaServer(proc, f"http://{host}:{port}", token, log_file, model)
    try:
        wait_until_ready(server, wait)
    except BaseException:
        server.stop()
        raise
    return server


def wait_until_ready(server: RasaServer, timeout: float) -> None:
    """Poll ``GET /status`` until the server reports a loaded model.

    :raises RasaUnavailable: the process exited, or ``timeout`` seconds passed.
    """
    deadline = time.monotonic() + timeout
    url = f"{server.url}/status" + (f"?token={server.token}" if server.token else "")
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            msg = f"the Rasa server exited with status {server.process.returncode}; "
            msg += f"see {server.log_file}"
            raise RasaUnavailable(msg)
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200 and b'"model_file"' in resp.read():
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.5)
    msg = f"the Rasa server did not load its model within {timeout:.0f} s; see {server.log_file}"
    raise RasaUnavailable(msg)


def interrupt_on_sigterm() -> object:
    """Make SIGTERM (systemd, docker, kill) and Ctrl-C raise KeyboardInterrupt; returns the
    previous SIGTERM handler. Install it before starting a server, so a stop that comes while
    the model loads stops the server too (:func:`start_server` cleans up on any exception)."""

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started in the background
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return previous


def serve_forever(server: RasaServer, echo: Callable[[str], None] = print) -> None:
    """Block until the server exits or Ctrl-C / SIGTERM, then stop it."""
    echo(f"Rasa server on {server.url} (Ctrl-C to stop); log: {server.log_file}")
    previous = interrupt_on_sigterm()
    try:
        server.process.wait()
    except KeyboardInterrupt:
        echo("stopping the Rasa server")
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
    if server.process.returncode not in (0, -signal.SIGTERM, None):
        sys.stderr.write(f"Rasa server exited with {server.process.returncode}\n")
