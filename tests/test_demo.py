"""The synthetic demo corpus: EmoDB naming and layout, audio format, counts, determinism."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from serflow.demo import (
    EMODB_COUNTS,
    EMODB_SPEAKERS,
    EMODB_TEXTS,
    generate_demo_corpus,
    generate_emodb_sized_corpus,
    plan_demo_corpus,
    plan_emodb_sized_corpus,
    synthesize_utterance,
)
from serflow.emodb import EMOTIONS, parse_utterance

EMODB_STEM = re.compile(r"^\d\d[ab]\d\d[WLEAFTN][a-z]$")
EMODB_PER_EMOTION = {"W": 127, "L": 81, "E": 46, "A": 69, "F": 71, "T": 62, "N": 79}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> list[Path]:
    return generate_demo_corpus(tmp_path_factory.mktemp("demo") / "wav")


@pytest.fixture(scope="module")
def emodb_sized(tmp_path_factory) -> list[Path]:
    return generate_emodb_sized_corpus(tmp_path_factory.mktemp("emodb") / "wav")


def durations(paths: list[Path]) -> np.ndarray:
    return np.array([sf.info(path).duration for path in paths])


def cells(paths: list[Path]) -> Counter:
    return Counter((path.stem[:2], path.stem[5]) for path in paths)


def test_demo_names_follow_emodb(demo):
    stems = [path.stem for path in demo]
    assert all(EMODB_STEM.match(stem) for stem in stems)
    assert all(parse_utterance(path.name).utterance == path.stem for path in demo)
    assert len(set(stems)) == len(stems)
    assert demo == sorted(demo)
    assert demo == sorted(demo[0].parent.iterdir())
    assert {stem[2:5] for stem in stems} == set(EMODB_TEXTS)


def test_demo_has_four_clips_per_speaker_and_emotion(demo):
    assert len(demo) == 10 * 7 * 4
    assert cells(demo) == {(s, e): 4 for s in EMODB_SPEAKERS for e in EMOTIONS}


def test_demo_audio_is_16khz_mono_int16_within_duration_range(demo):
    infos = [sf.info(path) for path in demo]
    assert {(i.samplerate, i.channels, i.format, i.subtype) for i in infos} == {
        (16000, 1, "WAV", "PCM_16")
    }
    lengths = durations(demo)
    assert lengths.min() >= 1.0 - 1 / 16000 and lengths.max() <= 4.0 + 1 / 16000
    assert lengths.max() - lengths.min() > 2.0  # spread over the range, not all alike
    samples, _ = sf.read(demo[0], dtype="int16")
    assert samples.dtype == np.int16 and samples.ndim == 1
    assert 1000 < np.abs(samples).max() < 32767  # audible and not clipped


def test_demo_anger_is_louder_than_sadness(demo):
    def level_db(path: Path) -> float:
        samples, _ = sf.read(path)
        return 10 * np.log10(np.mean(samples**2))

    mean = {e: np.mean([level_db(p) for p in demo if p.stem[5] == e]) for e in "WT"}
    assert mean["W"] - mean["T"] > 6.0


def test_same_arguments_give_identical_bytes(tmp_path):
    kwargs = {"speakers": ["03", "16"], "clips_per_class": 2, "seed": 7}
    first = generate_demo_corpus(tmp_path / "one", **kwargs)
    second = generate_demo_corpus(tmp_path / "two", **kwargs)
    assert [p.name for p in first] == [p.name for p in second]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second, strict=True))
    other_seed = generate_demo_corpus(tmp_path / "three", **{**kwargs, "seed": 8})
    assert all(a.read_bytes() != b.read_bytes() for a, b in zip(first, other_seed, strict=True))


def test_synthesize_utterance_reproduces_a_corpus_file(demo):
    path = demo[17]
    expected, rate = sf.read(path, dtype="int16")
    samples = synthesize_utterance(path.stem, len(expected) / rate, seed=0)
    np.testing.assert_array_equal(samples, expected)


def test_options_shape_the_corpus(tmp_path):
    paths = generate_demo_corpus(
        tmp_path / "wav",
        speakers=["03", "42"],
        clips_per_class=3,
        texts=["a01", "b02"],
        min_duration_s=0.5,
        max_duration_s=1.5,
        sample_rate=8000,
    )
    assert cells(paths) == {(s, e): 3 for s in ["03", "42"] for e in EMOTIONS}
    assert {p.stem[2:5] for p in paths} == {"a01", "b02"}
    assert {p.stem[6] for p in paths} == {"a", "b"}
    assert {sf.info(p).samplerate for p in paths} == {8000}
    lengths = durations(paths)
    assert lengths.min() >= 0.5 - 1 / 8000 and lengths.max() <= 1.5 + 1 / 8000


def test_emodb_sized_matches_emodb_counts(emodb_sized):
    assert len(emodb_sized) == 535
    assert all(EMODB_STEM.match(path.stem) for path in emodb_sized)
    assert Counter(path.stem[5] for path in emodb_sized) == EMODB_PER_EMOTION
    expected = {(s, e): n for s, row in EMODB_COUNTS.items() for e, n in row.items() if n}
    assert cells(emodb_sized) == expected


def test_emodb_sized_durations_spread_like_emodb(emodb_sized):
    lengths = durations(emodb_sized)
    assert lengths.min() >= 1.2 - 1 / 16000 and lengths.max() <= 9.0 + 1 / 16000
    assert 2.2 < np.median(lengths) < 2.8
    assert np.percentile(lengths, 5) < 1.7 and np.percentile(lengths, 95) > 4.0
    assert 1300 < lengths.sum() < 1700  # EmoDB holds about 1490 s of speech


def test_plans_name_the_written_files(demo, emodb_sized):
    assert [p.stem for p in demo] == [name for name, _ in plan_demo_corpus()]
    assert [p.stem for p in emodb_sized] == [name for name, _ in plan_emodb_sized_corpus()]
    assert plan_demo_corpus(speakers=["16", "03"]) == plan_demo_corpus(speakers=["03", "16"])
    planned = np.array([duration for _, duration in plan_demo_corpus()])
    np.testing.assert_allclose(durations(demo), planned, atol=1 / 16000)


@pytest.mark.parametrize("scale", [10, 20])
def test_emodb_sized_scale_keeps_names_unique_and_emodb_shaped(scale):
    # scale 10 needs version letters beyond a-f, scale 20 also extra text codes
    stems = [name for name, _ in plan_emodb_sized_corpus(scale=scale)]
    assert len(set(stems)) == len(stems) == scale * 535
    assert all(EMODB_STEM.match(stem) for stem in stems)
    assert Counter(stem[5] for stem in stems) == {
        e: scale * n for e, n in EMODB_PER_EMOTION.items()
    }
    assert max(stem[6] for stem in stems) > "f"


def test_impossible_requests_fail_clearly_and_write_nothing(tmp_path):
    with pytest.raises(ValueError, match=r"clips_per_class=61 .* 10 texts x 6 version letters"):
        generate_demo_corpus(tmp_path / "wav", clips_per_class=61)
    with pytest.raises(ValueError, match=r"clips_per_class=7 .* 1 texts"):
        generate_demo_corpus(tmp_path / "wav", clips_per_class=7, texts=["a01"])
    with pytest.raises(ValueError, match="scale=1000"):
        generate_emodb_sized_corpus(tmp_path / "wav", scale=1000)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"speakers": ["3"]}, "two-digit"),
        ({"texts": ["x1"]}, "'x1'"),
        ({"clips_per_class": 0}, "clips_per_class"),
        ({"min_duration_s": 3.0, "max_duration_s": 2.0}, "min_duration_s"),
        ({"seed": -1}, "seed"),
        ({"sample_rate": 4000}, "sample_rate"),
    ],
)
def test_bad_settings_are_named(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_demo_corpus(tmp_path / "wav", **kwargs)


def test_replaces_a_previous_corpus_but_not_other_folders(tmp_path):
    out = tmp_path / "wav"
    generate_demo_corpus(out, speakers=["03", "08"], clips_per_class=2)
    paths = generate_demo_corpus(out, speakers=["03"], clips_per_class=1)
    assert sorted(out.iterdir()) == paths and len(paths) == 7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wav"]  # no temp folders left

    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="todo.txt"):
        generate_demo_corpus(tmp_path / "notes", speakers=["03"], clips_per_class=1)
    assert (tmp_path / "notes" / "todo.txt").read_text() == "keep me"
