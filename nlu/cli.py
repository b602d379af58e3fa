"""Commands of the ``nlu`` package.

``jiuzhu nlu train|parse|eval|rasa-setup|rasa-train|rasa-serve``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path
from typing import Annotated

import typer

from jiuzhu.errors import InvalidInput

nlu_app = typer.Typer(
    name="nlu",
    help="Understand residents' messages: train, try and evaluate the NLU engines.",
    no_args_is_help=True,
)

EngineOpt = Annotated[
    str, typer.Option("--engine", help="local (embedded) or rasa (server at JIUZHU_RASA_URL)")
]
VenvOpt = Annotated[
    Path | None,
    typer.Option("--venv", help="Rasa venv (default JIUZHU_RASA_VENV or ~/.local/share/jiuzhu)"),
]


def register(app: typer.Typer) -> None:
    """Add this package's commands to the ``jiuzhu`` CLI."""
    app.add_typer(nlu_app, name="nlu")


def _settings():  # deferred import: `jiuzhu --help` stays fast
    from jiuzhu.settings import get_settings

    return get_settings()


def _venv(venv: Path | None) -> Path:
    from nlu.rasa_env import default_venv

    return default_venv(venv or _settings().rasa_venv)


def _check_engine(engine: str) -> str:
    if engine not in ("local", "rasa"):
        msg = f"--engine must be local or rasa, not {engine!r}"
        raise InvalidInput(msg)
    return engine


@nlu_app.command("train")
def train_cmd(
    if_stale: Annotated[
        bool, typer.Option("--if-stale", help="only train when the data changed")
    ] = False,
) -> None:
    """Train the local engine on nlu/data and save it under <data_dir>/nlu."""
    from nlu import local_engine

    engine = local_engine(_settings())
    if if_stale and not engine.is_stale():
        typer.echo(f"local NLU model in {engine.model_dir} is current")
        return
    model = engine.train()
    typer.echo(
        f"trained local NLU on {model.meta['examples']} examples "
        f"({len(model.classes)} intents) in {model.meta['train_seconds']} s -> {engine.model_dir}"
    )


@nlu_app.command("parse")
def parse_cmd(
    text: Annotated[str, typer.Argument(help="the message, as a resident would type it")],
    engine: EngineOpt = "local",
) -> None:
    """Print the JSON parse of TEXT (intent, ranking, normalised entities)."""
    from nlu import get_engine

    settings = _settings().model_copy(update={"nlu_engine": _check_engine(engine)})

    async def run() -> dict:
        eng = get_engine(settings)
        try:
            return (await eng.parse(text)).to_dict()
        finally:
            if hasattr(eng, "aclose"):
                await eng.aclose()

    typer.echo(json.dumps(asyncio.run(run()), ensure_ascii=False, indent=2))


@nlu_app.command("eval")
def eval_cmd(
    data: Annotated[Path, typer.Option("--data", help="examples in Rasa's nlu.yml format")],
    engine: EngineOpt = "local",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Evaluate an engine: intent accuracy, macro-F1, per-intent P/R, entity F1, errors."""
    from nlu import RasaNlu, local_engine, training_data
    from nlu.evaluate import evaluate
    from nlu.exceptions import RasaUnavailable, TrainingDataError

    _check_engine(engine)
    if not data.exists():
        msg = f"--data {data}: no such file"
        raise TrainingDataError(msg)
    examples = training_data.load(data).examples
    if not examples:
        msg = f"--data {data}: no intent examples in it"
        raise TrainingDataError(msg)
    settings = _settings()
    local = local_engine(settings)

    async def run():
        if engine == "local":
            local.ensure_model()
            return await evaluate(local, examples, local.extractor, "local")
        token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
        async with RasaNlu(settings.rasa_url, token=token, timeout=settings.rasa_timeout,
                           fallback=None) as rasa:  # fmt: skip
            await rasa.status()  # fail now, not with every example falling back
            report = await evaluate(rasa, examples, local.extractor, "rasa")
            if rasa._down:
                msg = "the Rasa server stopped answering during the evaluation"
                raise RasaUnavailable(msg)
            return report

    report = asyncio.run(run())
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    _print_report(report)


def _print_report(report) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"[bold]{report.engine}[/] on {report.examples} examples: "
        f"intent accuracy {report.intent_accuracy:.3f}, macro-F1 {report.macro_f1:.3f}, "
        f"entity F1 {report.entity_f1:.3f} (P {report.entity_precision:.3f} "
        f"R {report.entity_recall:.3f}), parse p50 {report.percentile_ms(50):.2f} ms "
        f"p95 {report.percentile_ms(95):.2f} ms"
    )
    table = Table("intent", "precision", "recall", "f1", "support")
    for intent, m in report.per_intent.items():
        table.add_row(intent, f"{m['precision']:.2f}", f"{m['recall']:.2f}", f"{m['f1']:.2f}",
                      str(m["support"]))  # fmt: skip
    console.print(table)
    if report.errors:
        console.print(f"[bold]misclassified ({len(report.errors)})[/]")
        for e in report.errors:
            console.print(f"  {e['expected']} -> {e['predicted']} ({e['confidence']:.2f}): "
                          f"{e['text']}", markup=False)  # fmt: skip


@nlu_app.command("rasa-setup")
def rasa_setup_cmd(
    venv: VenvOpt = None,
    python: Annotated[
        Path | None, typer.Option("--python", help="a Python 3.10 (default: found via pyenv)")
    ] = None,
) -> None:
    """Build the Rasa 3.6 venv outside the repository (reused when the version matches)."""
    from nlu import rasa_env

    rasa_env.setup(_venv(venv), python, typer.echo)


@nlu_app.command("rasa-train")
def rasa_train_cmd(
    venv: VenvOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="model folder (default <data_dir>/rasa/models)")
    ] = None,
) -> None:
    """Train the Rasa model on nlu/data (normalised); reuses a model of the same data."""
    from nlu import rasa_env

    settings = _settings()
    out_dir = (out or settings.data_dir / "rasa" / "models").resolve()
    rasa_env.train(_venv(venv), settings.data_dir.resolve(), out_dir, echo=typer.echo)


@nlu_app.command("rasa-serve")
def rasa_serve_cmd(
    venv: VenvOpt = None,
    port: Annotated[int | None, typer.Option("--port", help="default: JIUZHU_RASA_URL's")] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="model .tar.gz (default: train/reuse)")
    ] = None,
) -> None:
    """Run the Rasa server (--enable-api, JIUZHU_RASA_TOKEN) on 127.0.0.1 until Ctrl-C."""
    from urllib.parse import urlparse

    from nlu import rasa_env

    settings = _settings()
    data_dir = settings.data_dir.resolve()
    v = _venv(venv)
    if model is None:
        model = rasa_env.train(v, data_dir, data_dir / "rasa" / "models", echo=typer.echo)
    url = urlparse(settings.rasa_url)
    token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
    if token is None:
        token = secrets.token_urlsafe(16)
        typer.echo(f"no JIUZHU_RASA_TOKEN set; this run's token is {token}")
    rasa_env.interrupt_on_sigterm()
    try:
        server = rasa_env.start_server(
            v, data_dir, model.resolve(), host=url.hostname or "127.0.0.1",
            port=port or url.port or 5005, token=token,
        )  # fmt: skip
    except KeyboardInterrupt:
        typer.echo("stopping the Rasa server")
        return
    rasa_env.serve_forever(server, typer.echo)
