"""A client for a Rasa server's ``POST /model/parse``, falling back to the local engine.

The text is normalised here before it is sent (the server was trained on normalised data,
see :func:`nlu.rasa_env.build_project`); Rasa's entities get the same value normalisation
as the local engine's, and the rule-based extractor adds the entities Rasa missed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from nlu.engine import NluEngine
from nlu.entities import EntityExtractor
from nlu.exceptions import RasaUnavailable
from nlu.local import MAX_CHARS
from nlu.normalise import normalise
from nlu.result import Entity, Intent, ParseResult, fallback_result
from nlu.training_data import TrainingData
from nlu.training_data import load as load_training_data

log = logging.getLogger(__name__)


class RasaNlu:
    """An :class:`~nlu.engine.NluEngine` backed by a Rasa server.

    :param url: the server's base URL, e.g. ``http://127.0.0.1:5005``.
    :param token: the server's ``--auth-token``, sent as ``?token=``; ``None`` for none.
    :param timeout: seconds to wait for one parse before falling back.
    :param fallback: engine used while the server is down, slow or answers nonsense;
        ``None`` answers ``nlu_fallback`` instead.
    :param data: training data for value normalisation (default ``nlu/data``).
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float = 2.0,
        fallback: NluEngine | None = None,
        data: TrainingData | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.fallback = fallback
        self._data = data
        self._extractor: EntityExtractor | None = None
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._down = False  # True during an outage: logged once, at its start

    @property
    def extractor(self) -> EntityExtractor:
        """Rule-based extractor used to normalise and complete Rasa's entities."""
        if self._extractor is None:
            local = getattr(self.fallback, "extractor", None)
            if isinstance(local, EntityExtractor) and self._data is None:
                self._extractor = local
            else:
                self._extractor = EntityExtractor(self._data or load_training_data())
        return self._extractor

    async def parse(self, text: str) -> ParseResult:
        """See :meth:`nlu.engine.NluEngine.parse`. Never raises."""
        norm = ""
        try:
            norm = normalise(text)[:MAX_CHARS]
            if not norm.strip():
                return fallback_result(norm, "rasa", self.extractor.extract(norm))
            body = await self._post_parse(norm)
            result = self._to_result(norm, body)
        except asyncio.CancelledError:
            raise
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as e:
            self._outage(e)
            if self.fallback is not None:
                return await self.fallback.parse(text)
            return fallback_result(norm, "none")
        except Exception:
            log.exception("Rasa NLU client failed on a message of %d characters", len(str(text)))
            if self.fallback is not None:
                return await self.fallback.parse(text)
            return fallback_result(norm, "none")
        if self._down:
            self._down = False
            log.warning("Rasa server at %s answers again", self.url)
        return result

    async def status(self) -> dict[str, Any]:
        """The server's ``GET /status`` (which model it serves).

        :raises RasaUnavailable: the server does not answer or has no model loaded.
        """
        try:
            session = self._get_session()
            async with session.get(f"{self.url}/status", params=self._params()) as resp:
                if resp.status != 200:
                    msg = f"Rasa server at {self.url} answered /status with HTTP {resp.status}"
                    raise RasaUnavailable(msg)
                body = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as e:
            msg = f"Rasa server at {self.url} does not answer ({type(e).__name__}): start it "
            msg += "with `jiuzhu nlu rasa-serve`"
            raise RasaUnavailable(msg) from e
        if not isinstance(body, dict) or not body.get("model_file"):
            msg = f"Rasa server at {self.url} has no model loaded"
            raise RasaUnavailable(msg)
        return body

    async def aclose(self) -> None:
        """Close the HTTP session (the engine can still be used: a new one is opened)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def __aenter__(self) -> RasaNlu:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _params(self) -> dict[str, str]:
        return {"token": self.token} if self.token else {}

    def _get_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            # A session belongs to one event loop (the CLI and tests run several in turn).
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout)
            )
            self._session_loop = loop
        return self._session

    async def _post_parse(self, text: str) -> dict[str, Any]:
        session = self._get_session()
        async with session.post(
            f"{self.url}/model/parse", params=self._params(), json={"text": text}
        ) as resp:
            if resp.status != 200:
                msg = f"HTTP {resp.status}"
                raise aiohttp.ClientResponseError(
                    resp.request_info, resp.history, status=resp.status, message=msg
                )
            body = await resp.json(content_type=None)
        if not isinstance(body, dict):
            msg = "the parse response is not a JSON object"
            raise ValueError(msg)
        return body

    def _to_result(self, norm: str, body: dict[str, Any]) -> ParseResult:
        raw_intent = body.get("intent") or {}
        intent = Intent(str(raw_intent["name"]), float(raw_intent.get("confidence") or 0.0))
        ranking = [
            Intent(str(i["name"]), float(i.get("confidence") or 0.0))
            for i in body.get("intent_ranking") or []
            if isinstance(i, dict) and "name" in i
        ]
        return ParseResult(norm, intent, ranking, self._entities(norm, body), "rasa")

    def _entities(self, norm: str, body: dict[str, Any]) -> list[Entity]:
        """Rasa's entities with normalised values, completed by the rule-based extractor."""
        found: list[Entity] = []
        for e in body.get("entities") or []:
            try:
                start, end, name = int(e["start"]), int(e["end"]), str(e["entity"])
            except (KeyError, TypeError, ValueError):
                continue
            value = self.extractor.canonical(name, norm[start:end], e.get("value"))
            if value is not None and 0 <= start < end <= len(norm):
                found.append(Entity(name, value, start, end, str(e.get("extractor") or "rasa")))
        # Where Rasa and the rules read the same span, the rules' value wins (validated);
        # rules also add what Rasa missed (an ID number, a second amount).
        rules = self.extractor.extract(norm)
        kept = [
            r for r in found
            if not any(x.start < r.end and r.start < x.end for x in rules)
        ]  # fmt: skip
        deduped: list[Entity] = []
        for e in sorted(kept + rules, key=lambda e: (e.start, -e.end)):
            if not any(d.start < e.end and e.start < d.end for d in deduped):
                deduped.append(e)
        return deduped

    def _outage(self, e: BaseException) -> None:
        if not self._down:
            self._down = True
            what = "the local engine" if self.fallback is not None else "nlu_fallback"
            log.warning(
                "Rasa server at %s does not answer (%s); using %s until it does",
                self.url, type(e).__name__, what,
            )  # fmt: skip
