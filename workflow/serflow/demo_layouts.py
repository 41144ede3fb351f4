"""Synthetic corpora in the naming and folder layout of each corpus format, for tests, demos and
benchmarks: the speech-like clips of the demo corpus written as RAVDESS, CREMA-D, TESS, SAVEE
or EmoDB would name them, or listed by a CSV manifest or an audformat database.

Like the real corpora, files can be 16 to 48 kHz, mono or stereo, and carry extra RIFF chunks.
Nothing here is real speech: a figure measured on these corpora says so.
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from serflow.demo import EMODB_SPEAKERS, EMODB_TEXTS, EMODB_VERSIONS, synthesize_utterance
from serflow.demo.dimensions import DEMO_RANGE, clip_dimensions
from serflow.formats import cremad, ravdess, savee, tess

#: canonical emotion -> the demo voice's emotion style (EmoDB letter) that renders it.
STYLE = {
    "anger": "W",
    "boredom": "L",
    "calm": "L",
    "disgust": "E",
    "fear": "A",
    "happiness": "F",
    "neutral": "N",
    "sadness": "T",
    "surprise": "F",
}


@dataclass(frozen=True)
class Clip:
    """One planned file: where it goes, whose voice and emotion it has, its audio format."""

    relative: str
    speaker: str
    emotion: str
    index: int
    duration_s: float
    sample_rate: int
    channels: int


def _own_code(labels: dict[str, str], emotion: str) -> str:
    return next(code for code, name in labels.items() if name == emotion)


def _ravdess_name(speaker: int, emotion: str, k: int) -> str:
    code = _own_code(ravdess.LABELS, emotion)
    # RAVDESS has no strong neutral: its clips vary statement and repetition only
    if emotion == "neutral":
        intensity, k = "01", 2 * k
    else:
        intensity = f"{k % 2 + 1:02d}"
    statement, repetition = f"{k // 2 % 2 + 1:02d}", f"{k // 4 % 2 + 1:02d}"
    name = f"03-01-{code}-{intensity}-{statement}-{repetition}-{speaker:02d}.wav"
    return f"Actor_{speaker:02d}/{name}"


def _cremad_name(speaker: int, emotion: str, k: int) -> str:
    sentences = ["IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI"]
    levels = ["XX", "LO", "MD", "HI"]
    return (
        f"AudioWAV/{1000 + speaker}_{sentences[k % 12]}_{_own_code(cremad.LABELS, emotion)}_"
        f"{levels[k // 12 % 4]}.wav"
    )


def _tess_name(speaker: int, emotion: str, k: int) -> str:
    who = tess.SPEAKERS[(speaker - 1) % 2]
    word = ["back", "bar", "base", "bath", "bean", "beg", "bite", "boat", "bone", "book"][k % 10]
    label = _own_code(tess.LABELS, emotion)
    folder = f"{who}_{'pleasant_surprised' if label == 'ps' else label}"
    # real TESS mixes the case of its folder names
    return f"{folder.lower() if speaker % 2 == 0 else folder}/{who}_{word}_{label}.wav"


def _savee_name(speaker: int, emotion: str, k: int) -> str:
    who = savee.SPEAKERS[(speaker - 1) % 4]
    return f"ALL/{who}_{_own_code(savee.LABELS, emotion)}{k + 1:02d}.wav"


def _emodb_name(speaker: int, emotion: str, k: int) -> str:
    texts, versions = EMODB_TEXTS, EMODB_VERSIONS
    return f"{EMODB_SPEAKERS[speaker - 1]}{texts[k % 10]}{STYLE[emotion]}{versions[k // 10]}.wav"


def _generic_name(speaker: int, emotion: str, k: int) -> str:
    return f"audio/spk{speaker:02d}/{emotion}_{k:03d}.wav"


#: format -> (relative path of clip k of a speaker number and emotion, largest speaker number).
NAMERS: dict[str, tuple[Callable[[int, str, int], str], int]] = {
    "ravdess": (_ravdess_name, 24),
    "cremad": (_cremad_name, 91),
    "tess": (_tess_name, 2),
    "savee": (_savee_name, 4),
    "emodb": (_emodb_name, 10),
    "csv": (_generic_name, 99),
    "audformat": (_generic_name, 99),
}

#: Speakers of a format's demo corpus (datasets.<name>.demo.speakers: 0).
DEMO_SPEAKERS = {"ravdess": 6, "cremad": 6, "tess": 2, "savee": 4, "csv": 6, "audformat": 6}

#: The emotions each format's corpus has, canonical names.
FORMAT_EMOTIONS = {
    "ravdess": list(ravdess.LABELS.values()),
    "cremad": list(cremad.LABELS.values()),
    "tess": list(tess.LABELS.values()),
    "savee": list(savee.LABELS.values()),
    "emodb": ["anger", "boredom", "disgust", "fear", "happiness", "sadness", "neutral"],
    "csv": ["anger", "happiness", "neutral", "sadness"],
    "audformat": ["anger", "happiness", "neutral", "sadness"],
}


def plan_layout(
    format_name: str,
    *,
    speakers: int,
    clips_per_class: int,
    emotions: list[str] | None = None,
    sample_rates: tuple[int, ...] = (16000,),
    stereo_every: int = 0,
    min_duration_s: float = 0.8,
    max_duration_s: float = 1.6,
    seed: int = 0,
) -> list[Clip]:
    """The clips of a synthetic corpus in ``format_name``'s naming, sorted by path.

    Speaker numbers run from 1; clip k of a (speaker, emotion) gets ``sample_rates[k % n]`` and,
    when ``stereo_every`` is n > 0, every n-th clip two channels.
    """
    namer, most = NAMERS[format_name]
    if not 1 <= speakers <= most:
        raise ValueError(f"{format_name} names at most {most} speakers, asked for {speakers}")
    emotions = emotions or FORMAT_EMOTIONS[format_name]
    rng = np.random.default_rng(seed)
    clips = []
    for speaker in range(1, speakers + 1):
        for emotion in emotions:
            for k in range(clips_per_class):
                count = len(clips)
                clips.append(
                    Clip(
                        relative=namer(speaker, emotion, k),
                        speaker=f"{speaker:02d}",
                        emotion=emotion,
                        index=k,
                        duration_s=float(rng.uniform(min_duration_s, max_duration_s)),
                        sample_rate=sample_rates[k % len(sample_rates)],
                        channels=2 if stereo_every and count % stereo_every == 0 else 1,
                    )
                )
    names = [clip.relative for clip in clips]
    if len(set(names)) != len(names):
        raise ValueError(
            f"{format_name} names only {len(set(names))} distinct files for {len(names)} clips; "
            "lower clips_per_class"
        )
    return sorted(clips, key=lambda clip: clip.relative)


def write_layout(root: Path, format_name: str, clips: list[Clip], *, seed: int = 0) -> Path:
    """Write ``clips`` under ``root`` (built in a temporary folder, then renamed) with the files
    the format has besides the audio; returns the corpus location to configure (the folder, or
    the CSV manifest)."""
    root = Path(root).absolute()
    if root.exists():
        raise FileExistsError(f"{root} exists; give a new folder")
    root.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
    try:
        for clip in clips:
            _write_clip(temp / clip.relative, clip, seed)
        location = _write_extras(temp, format_name, clips, seed)
        os.replace(temp, root)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return root / location.relative_to(temp) if location != temp else root


def _voice_of(clip: Clip, seed: int) -> tuple[str, int]:
    """The demo voice's EmoDB id and seed that render ``clip``."""
    voice = EMODB_SPEAKERS[(int(clip.speaker) - 1) % len(EMODB_SPEAKERS)]
    return f"{voice}{EMODB_TEXTS[clip.index % 10]}{STYLE[clip.emotion]}a", seed + clip.index


def clip_targets(clips: list[Clip], seed: int = 0) -> pd.DataFrame:
    """The synthetic arousal and valence (1-5) of each clip, in ``clips``' order
    (:func:`serflow.demo.dimensions.clip_dimensions`): the csv and audformat layouts' target
    columns."""
    return pd.DataFrame([clip_dimensions(*_voice_of(clip, seed)) for clip in clips])


def _write_clip(path: Path, clip: Clip, seed: int) -> None:
    utterance, voice_seed = _voice_of(clip, seed)
    samples = synthesize_utterance(
        utterance, clip.duration_s, sample_rate=clip.sample_rate, seed=voice_seed
    )
    if clip.channels == 2:
        samples = np.stack([samples, (samples * 0.8).astype(np.int16)], axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, samples, clip.sample_rate, subtype="PCM_16")
    if clip.sample_rate == 48000:
        add_riff_chunk(path, b"LIST", b"INFOISFT\x0e\x00\x00\x00serflow demo\x00\x00")


def add_riff_chunk(path: Path, chunk_id: bytes, payload: bytes) -> None:
    """Append a RIFF chunk (as recorders add LIST/INFO or bext chunks) and fix the RIFF size."""
    data = bytearray(path.read_bytes())
    chunk = chunk_id + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) % 2)
    data += chunk
    data[4:8] = struct.pack("<I", len(data) - 8)
    path.write_bytes(bytes(data))


def _write_extras(root: Path, format_name: str, clips: list[Clip], seed: int) -> Path:
    """Files a corpus has besides audio; returns the location a dataset's path names. The csv
    manifest and the audformat table carry the clips' synthetic arousal and valence too."""
    speakers = sorted({clip.speaker for clip in clips})
    if format_name == "cremad":
        rows = [f"{1000 + int(s)},30,{'Male' if int(s) % 2 else 'Female'},x,y" for s in speakers]
        (root / "VideoDemographics.csv").write_text(
            "ActorID,Age,Sex,Race,Ethnicity\n" + "\n".join(rows) + "\n"
        )
        return root / "AudioWAV"
    if format_name == "csv":
        table = pd.DataFrame(
            {
                "file": [clip.relative for clip in clips],
                "speaker": [f"spk{clip.speaker}" for clip in clips],
                "emotion": [clip.emotion for clip in clips],
                "gender": ["female" if int(clip.speaker) % 2 == 0 else "male" for clip in clips],
                **clip_targets(clips, seed).to_dict("list"),
            }
        )
        table.to_csv(root / "manifest.csv", index=False)
        return root / "manifest.csv"
    if format_name == "audformat":
        _write_audformat(root, clips, seed)
    return root


def _write_audformat(root: Path, clips: list[Clip], seed: int) -> None:
    """An audformat database: a speaker scheme with genders, an emotion table over all files
    (with float arousal and valence columns on a 0-1 scale), and train/test tables that split
    the speakers (the last third tests)."""
    import audformat

    db = audformat.Database(name="serflow_demo", source="synthetic", usage="research")
    speakers = sorted({clip.speaker for clip in clips})
    db.schemes["speaker"] = audformat.Scheme(
        labels={f"spk{s}": {"gender": "female" if int(s) % 2 == 0 else "male"} for s in speakers}
    )
    db.schemes["emotion"] = audformat.Scheme(labels=sorted({clip.emotion for clip in clips}))
    db.splits["train"] = audformat.Split(type=audformat.define.SplitType.TRAIN)
    db.splits["test"] = audformat.Split(type=audformat.define.SplitType.TEST)
    files = [clip.relative for clip in clips]
    db["emotion"] = audformat.Table(audformat.filewise_index(files))
    db["emotion"]["emotion"] = audformat.Column(scheme_id="emotion")
    db["emotion"]["emotion"].set([clip.emotion for clip in clips])
    db["emotion"]["speaker"] = audformat.Column(scheme_id="speaker")
    db["emotion"]["speaker"].set([f"spk{clip.speaker}" for clip in clips])
    # the demo's 1-5 ratings as audformat's usual 0-1 scale
    db.schemes["rating"] = audformat.Scheme("float", minimum=0.0, maximum=1.0)
    low, high = DEMO_RANGE
    for dimension, values in clip_targets(clips, seed).items():
        db["emotion"][dimension] = audformat.Column(scheme_id="rating")
        db["emotion"][dimension].set(((values - low) / (high - low)).round(4).tolist())
    test_speakers = set(speakers[-max(1, len(speakers) // 3) :])
    for split in ("train", "test"):
        chosen = [c.relative for c in clips if (c.speaker in test_speakers) == (split == "test")]
        db[f"emotion.{split}"] = audformat.Table(audformat.filewise_index(chosen), split_id=split)
    db.save(str(root))
