"""LocalNlu: trains itself, retrains when the data changes, never raises."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nlu import FALLBACK_INTENT, INTENTS, LocalNlu, NluEngine, training_data
from nlu.local import LocalModel


def test_is_an_nlu_engine(local_engine: LocalNlu) -> None:
    assert isinstance(local_engine, NluEngine)


async def test_trains_on_first_use_and_saves(tmp_path: Path) -> None:
    engine = LocalNlu(tmp_path / "nlu")
    assert engine.is_stale()
    result = await engine.parse("我想申请低保")
    assert result.intent_name == "apply_assistance"
    assert (tmp_path / "nlu" / "local_model.npz").exists()
    assert not engine.is_stale()
    model = LocalModel.load(tmp_path / "nlu")
    assert model is not None
    assert set(model.classes) == set(INTENTS)
    assert model.meta["train_seconds"] < 30  # "a few seconds"; generous for a busy CI box


def test_changed_data_makes_the_model_stale(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(training_data.DATA_DIR, data)
    files = training_data.data_files(data)
    engine = LocalNlu(tmp_path / "nlu", data_files=files)
    engine.ensure_model()
    assert not engine.is_stale()
    nlu_yml = data / "intents" / "greet.yml"
    nlu_yml.write_text(nlu_yml.read_text("utf-8") + "    - 你好哇哇\n")
    again = LocalNlu(tmp_path / "nlu", data_files=files)
    assert again.is_stale()
    old = LocalModel.load(tmp_path / "nlu")
    again.ensure_model()
    assert LocalModel.load(tmp_path / "nlu").meta["data_hash"] != old.meta["data_hash"]


def test_a_corrupt_model_file_is_retrained(tmp_path: Path) -> None:
    engine = LocalNlu(tmp_path)
    engine.ensure_model()
    (tmp_path / "local_model.json").write_text("{not json")
    fresh = LocalNlu(tmp_path)
    assert fresh.is_stale()
    assert fresh.parse_sync("谢谢").intent_name == "thank"


def test_fast_path_matches_scikit_learn(local_engine: LocalNlu) -> None:
    """The hand-written feature computation equals scikit-learn's TF-IDF."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from nlu.local import _char_features, mask_entities

    model = local_engine.ensure_model()
    block = model.blocks[0]
    vec = TfidfVectorizer(analyzer=_char_features, sublinear_tf=True)
    vec.vocabulary_ = block.vocab
    vec.idf_ = block.idf
    text = mask_entities("我哋想申请低保", local_engine.extractor.extract("我哋想申请低保"))
    idx, vals = block.features(_char_features(text))
    row = vec.transform([text]).toarray()[0]
    ours = dict(zip(idx, vals, strict=True))
    assert sorted(ours) == sorted(int(i) for i in row.nonzero()[0])
    assert [ours[i] for i in sorted(ours)] == pytest.approx(
        [float(row[i]) for i in sorted(ours)], rel=1e-5
    )


@pytest.mark.parametrize(
    "text",
    ["", "   ", "🙂🙂🙂", "\x00\x01\x02", "'; DROP TABLE person; --", "<script>x</script>",
     "a" * 10_240, "低保" * 5000, "\ud800\udfff", "ᚠᛇᚻ᛫ᛒᛦᚦ"],
)  # fmt: skip
async def test_hostile_input_never_raises(local_engine: LocalNlu, text: str) -> None:
    result = await local_engine.parse(text)
    assert result.intent_name in (*INTENTS, FALLBACK_INTENT)
    assert 0.0 <= result.confidence <= 1.0
    assert len(result.text) <= 1000


async def test_nothing_to_understand_is_fallback(local_engine: LocalNlu) -> None:
    for text in ("", "   ", "\x00"):
        result = await local_engine.parse(text)
        assert result.intent_name == FALLBACK_INTENT
        assert result.confidence == 0.0


async def test_nothing_the_model_has_seen_is_fallback(local_engine: LocalNlu) -> None:
    # Emoji only or another script: no evidence, so no guess (it once read 😭😭😭 as affirm).
    for text in ("😭😭😭", "🙏", "ᚠᛇᚻ᛫ᛒᛦᚦ"):
        assert (await local_engine.parse(text)).intent_name == FALLBACK_INTENT


async def test_below_threshold_is_fallback_first_in_ranking(local_engine: LocalNlu) -> None:
    strict = LocalNlu(local_engine.model_dir, local_engine.data, threshold=0.999)
    result = await strict.parse("ᚠᛇᚻ")
    assert result.intent_name == FALLBACK_INTENT
    assert result.intent_ranking[0].name == FALLBACK_INTENT
    assert result.intent_ranking[1].name in INTENTS


async def test_an_engine_error_is_fallback_not_an_exception(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = LocalNlu(tmp_path, data_files=[tmp_path / "missing.yml"])
    result = await engine.parse("身份证440106197803153324")
    assert result.intent_name == FALLBACK_INTENT
    assert "440106197803153324" not in caplog.text  # never log what the person typed


async def test_concurrent_first_messages_train_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    engine = LocalNlu(tmp_path)
    calls = []
    real_train = engine.train
    monkeypatch.setattr(engine, "train", lambda *a: calls.append(1) or real_train(*a))
    results = await asyncio.gather(*(engine.parse(t) for t in ["你好", "谢谢", "拜拜"]))
    assert [r.intent_name for r in results] == ["greet", "thank", "goodbye"]
    assert calls == [1]
