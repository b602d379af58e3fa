"""Read the Rasa project's training data (``nlu/data/**/*.yml``, Rasa 3.x format).

One reader serves both engines: the local engine trains on :attr:`TrainingData.examples`,
the entity extractor uses the lookups, synonyms and regexes, and :func:`write_rasa_data`
writes the same data, normalised, for ``rasa train nlu``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nlu.exceptions import TrainingDataError
from nlu.normalise import normalise, normalise_segment

PROJECT_DIR = Path(__file__).resolve().parent
DATA_DIR = PROJECT_DIR / "data"
CONFIG_FILE = PROJECT_DIR / "config.yml"
DOMAIN_FILE = PROJECT_DIR / "domain.yml"

# [text](entity) or [text]{"entity": "...", "value": "..."}
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<entity>[^)]+)\)|(?P<json>\{[^}]*\}))")


@dataclass(frozen=True)
class Annotation:
    """An entity marked inside an example: ``text[start:end]`` is the entity's surface form.

    :param value: the explicit value of a ``{"entity": ..., "value": ...}`` annotation, if any.
    """

    start: int
    end: int
    entity: str
    value: str | None = None


@dataclass(frozen=True)
class Example:
    """One training example: plain text (annotations removed), its intent and entities."""

    text: str
    intent: str
    entities: tuple[Annotation, ...] = ()

    def surface(self, a: Annotation) -> str:
        """The text an annotation covers."""
        return self.text[a.start : a.end]


@dataclass
class TrainingData:
    """Everything in the data files.

    :param synonyms: normalised, lower-cased surface form -> canonical value.
    :param lookups: entity name -> normalised surface forms.
    :param regexes: regex feature name -> patterns.
    """

    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        """The intents, sorted."""
        return sorted({e.intent for e in self.examples})

    def normalised_examples(self) -> list[Example]:
        """Every example normalised, with entity offsets moved to the normalised text."""
        return [normalise_example(e) for e in self.examples]


def data_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """The YAML files of a data directory, in a stable order."""
    return sorted(p for p in data_dir.rglob("*.yml") if p.is_file())


def data_hash(files: list[Path] | None = None, *extra: str) -> str:
    """SHA-256 over the data files' bytes (and ``extra`` strings): a model trained on other
    data is stale. Paths are not hashed, so a moved checkout keeps its model."""
    h = hashlib.sha256()
    for p in files if files is not None else data_files():
        h.update(p.read_bytes())
        h.update(b"\0")
    for s in extra:
        h.update(s.encode())
    return h.hexdigest()


def load(paths: list[Path] | Path | None = None) -> TrainingData:
    """Read training data from files or a directory (default ``nlu/data``).

    :raises TrainingDataError: a file is missing, is not YAML, or an example is malformed.
    """
    if paths is None:
        paths = data_files()
    elif isinstance(paths, Path):
        paths = data_files(paths) if paths.is_dir() else [paths]
    td = TrainingData()
    for p in paths:
        _load_file(p, td)
    return td


def _load_file(path: Path, td: TrainingData) -> None:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        msg = f"cannot read training data {path}: not valid YAML{where} "
        msg += f"({getattr(e, 'problem', None) or type(e).__name__})"
        raise TrainingDataError(msg) from e
    except (OSError, UnicodeDecodeError) as e:
        msg = f"cannot read training data {path}: {e}"
        raise TrainingDataError(msg) from e
    blocks = (doc or {}).get("nlu") if isinstance(doc, dict) else None
    if not isinstance(blocks, list):
        msg = f"{path}: expected a Rasa NLU file with a top-level 'nlu:' list"
        raise TrainingDataError(msg)
    for block in blocks:
        if not isinstance(block, dict):
            msg = f"{path}: every item under 'nlu:' must be a mapping, got {block!r}"
            raise TrainingDataError(msg)
        items = _items(block.get("examples"), path)
        if "intent" in block:
            intent = str(block["intent"])
            td.examples.extend(parse_example(item, intent, path) for item in items)
        elif "synonym" in block:
            canonical = str(block["synonym"])
            for item in items:
                td.synonyms[normalise(item).lower()] = canonical
        elif "lookup" in block:
            td.lookups.setdefault(str(block["lookup"]), []).extend(normalise(i) for i in items)
        elif "regex" in block:
            td.regexes.setdefault(str(block["regex"]), []).extend(items)


def _items(examples: object, path: Path) -> list[str]:
    if isinstance(examples, list):
        return [str(x).strip() for x in examples if str(x).strip()]
    if not isinstance(examples, str):
        msg = f"{path}: 'examples' must be a block of '- ' lines"
        raise TrainingDataError(msg)
    out = []
    for line in examples.splitlines():
        line = line.strip()
        if line.startswith("- "):
            out.append(line[2:].strip())
        elif line:
            msg = f"{path}: example line must start with '- ': {line!r}"
            raise TrainingDataError(msg)
    return out


def parse_example(raw: str, intent: str, path: Path | str = "<text>") -> Example:
    """Turn ``我住[天河区](region)`` into plain text and annotations.

    :raises TrainingDataError: an annotation's JSON is malformed or names no entity.
    """
    text, entities, pos = [], [], 0
    length = 0
    for m in _ANNOTATION.finditer(raw):
        before = raw[pos : m.start()]
        text.append(before)
        length += len(before)
        surface = m.group("text")
        entity, value = m.group("entity"), None
        if m.group("json"):
            try:
                spec = json.loads(m.group("json"))
                entity, value = spec["entity"], spec.get("value")
            except (ValueError, KeyError, TypeError) as e:
                msg = f"{path}: bad entity annotation {m.group(0)!r} in {raw!r}"
                raise TrainingDataError(msg) from e
        entities.append(Annotation(length, length + len(surface), str(entity), value))
        text.append(surface)
        length += len(surface)
        pos = m.end()
    text.append(raw[pos:])
    return Example("".join(text), intent, tuple(entities))


def normalise_example(ex: Example) -> Example:
    """The example as :func:`~nlu.normalise.normalise` would see it, offsets kept right.

    Each piece (plain text or entity) is normalised on its own, with the next character as
    context, so ``[三](person_count)口人`` becomes ``[3](person_count)口人``.
    """
    edges = {0, len(ex.text)} | {a.start for a in ex.entities} | {a.end for a in ex.entities}
    pieces = [(s, e) for s, e in itertools.pairwise(sorted(edges)) if e > s]
    out, new_pos = "", {}
    for s, e in pieces:
        piece = normalise_segment(ex.text[s:e], ex.text[e : e + 1])
        if out.endswith(" ") and piece.startswith(" "):
            piece = piece[1:]
        if not out:
            piece = piece.lstrip()
        new_pos[s] = len(out)
        out += piece
        new_pos[e] = len(out)
    stripped = out.rstrip()
    ents = tuple(
        Annotation(new_pos[a.start], min(new_pos[a.end], len(stripped)), a.entity, a.value)
        for a in ex.entities
    )
    return Example(stripped, ex.intent, ents)


def write_rasa_data(td: TrainingData, out: Path, examples: list[Example] | None = None) -> Path:
    """Write ``td`` normalised, as one Rasa NLU file, for ``rasa train nlu``.

    :param examples: train on these (already plain) examples instead of all of ``td``'s,
        e.g. the training part of a held-out split.
    :returns: the path written.
    """
    by_intent: dict[str, list[str]] = {}
    for ex in examples if examples is not None else td.examples:
        n = normalise_example(ex)
        by_intent.setdefault(n.intent, []).append(_annotate(n))
    blocks: list[dict[str, object]] = [
        {"intent": i, "examples": _block(lines)} for i, lines in sorted(by_intent.items())
    ]
    by_value: dict[str, list[str]] = {}
    for surface, canonical in td.synonyms.items():
        by_value.setdefault(canonical, []).append(surface)
    blocks += [{"synonym": v, "examples": _block(s)} for v, s in by_value.items()]
    blocks += [{"lookup": k, "examples": _block(v)} for k, v in td.lookups.items()]
    blocks += [{"regex": k, "examples": _block(v)} for k, v in td.regexes.items()]
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"version": "3.1", "nlu": blocks}
    out.write_text(yaml.dump(doc, allow_unicode=True, sort_keys=False, width=1000), "utf-8")
    return out


def _annotate(ex: Example) -> str:
    s, last = [], 0
    for a in sorted(ex.entities, key=lambda a: a.start):
        s.append(ex.text[last : a.start])
        surface = ex.text[a.start : a.end]
        if a.value is not None:
            spec = json.dumps({"entity": a.entity, "value": a.value}, ensure_ascii=False)
            s.append(f"[{surface}]{spec}")
        else:
            s.append(f"[{surface}]({a.entity})")
        last = a.end
    s.append(ex.text[last:])
    return "".join(s)


def _block(lines: list[str]) -> str:
    return "".join(f"- {line}\n" for line in lines)
