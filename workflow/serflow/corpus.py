"""Finding, unpacking and describing a corpus of EmoDB-named wav files."""

from __future__ import annotations

import logging
import os
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from serflow.download import sha256sum
from serflow.emodb import EMOTIONS, EXPECTED_UTTERANCES, parse_utterance, speaker_gender

log = logging.getLogger(__name__)

METADATA_COLUMNS = [
    "utterance",
    "path",
    "speaker",
    "gender",
    "text",
    "emotion",
    "emotion_name",
    "duration_s",
    "sample_rate",
]


class CorpusError(ValueError):
    """A corpus that cannot be used as it is; the message names the file and what to do."""


@dataclass
class Skipped:
    """Files left out of a corpus, each with the reason."""

    reasons: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, reason: str) -> None:
        self.reasons[name] = reason

    def __len__(self) -> int:
        return len(self.reasons)


def unpack_zip(zip_path: str | os.PathLike, wav_dir: str | os.PathLike) -> list[Path]:
    """Extract the ``.wav`` members of an EmoDB zip (found under any folder) into ``wav_dir``.

    The folder is filled under a temporary name and renamed once complete.
    """
    zip_path, wav_dir = Path(zip_path), Path(wav_dir)
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as error:
        raise CorpusError(
            f"{zip_path} is not a readable zip archive ({error}); download it again or point "
            "corpus.path at EmoDB's download.zip or at a folder of wav files"
        ) from error
    temp = wav_dir.with_name(wav_dir.name + ".partial")
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir(parents=True)
    written = []
    try:
        with archive:
            for member in sorted(archive.namelist()):
                name = Path(member).name
                if member.endswith("/") or not name.lower().endswith(".wav"):
                    continue
                target = temp / name
                with archive.open(member) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
                written.append(wav_dir / name)
        if not written:
            raise CorpusError(
                f"{zip_path} holds no .wav files; EmoDB's download.zip has them under wav/"
            )
        shutil.rmtree(wav_dir, ignore_errors=True)
        os.replace(temp, wav_dir)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return written


def list_wavs(folder: str | os.PathLike) -> list[Path]:
    """The ``.wav`` files directly in ``folder``, sorted by name; an error if there are none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(
            f"corpus folder {folder} does not exist; set corpus.path to a folder of EmoDB wav "
            "files or to EmoDB's download.zip"
        )
    wavs = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".wav" and p.is_file())
    if not wavs:
        raise CorpusError(
            f"no .wav files in {folder}; set corpus.path to the folder that holds EmoDB's wav "
            "files (the zip's wav/ folder) or to download.zip itself"
        )
    return wavs


def _describe_wav(path: Path) -> tuple[float, int]:
    """Duration (s) and sample rate of a wav, decoding it whole to catch corrupt data."""
    try:
        samples, sample_rate = sf.read(path, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as error:
        raise CorpusError(
            f"{path} cannot be decoded as audio ({error}); replace it with a good copy, remove "
            "it, or set corpus.skip_bad_files: true to skip it"
        ) from error
    if samples.shape[0] == 0:
        raise CorpusError(
            f"{path} holds no audio samples; replace it with a good copy, remove it, or set "
            "corpus.skip_bad_files: true to skip it"
        )
    if not np.isfinite(samples).all():
        raise CorpusError(
            f"{path} holds non-finite samples; replace it, remove it, or set "
            "corpus.skip_bad_files: true to skip it"
        )
    return samples.shape[0] / sample_rate, int(sample_rate)


def build_metadata(
    wavs: list[Path], *, skip_bad_files: bool = False
) -> tuple[pd.DataFrame, Skipped]:
    """One row per utterance, sorted by id, with speaker, text, emotion, duration and rate.

    Files with bad names or undecodable audio, and speakers with a single utterance (they cannot
    be normalised with their own statistics), raise :class:`CorpusError`, or with
    ``skip_bad_files`` are left out and listed in the returned :class:`Skipped`.
    """
    skipped = Skipped()
    rows = []
    for path in sorted(wavs, key=lambda p: p.name):
        try:
            parts = parse_utterance(path.name)
            duration_s, sample_rate = _describe_wav(path)
        except (ValueError, CorpusError) as error:
            if not skip_bad_files:
                raise CorpusError(str(error)) from error
            skipped.add(path.name, str(error))
            continue
        rows.append(
            {
                "utterance": parts.utterance,
                "path": str(path.resolve()),
                "speaker": parts.speaker,
                "gender": speaker_gender(parts.speaker),
                "text": parts.text,
                "emotion": parts.emotion,
                "emotion_name": EMOTIONS[parts.emotion],
                "duration_s": duration_s,
                "sample_rate": sample_rate,
            }
        )
    metadata = pd.DataFrame(rows, columns=METADATA_COLUMNS)
    duplicated = metadata["utterance"][metadata["utterance"].duplicated()]
    if len(duplicated):
        raise CorpusError(f"utterance ids occur twice: {sorted(set(duplicated))}")
    counts = metadata["speaker"].value_counts()
    for speaker in sorted(counts[counts < 2].index):
        names = metadata.loc[metadata["speaker"] == speaker, "utterance"].tolist()
        message = (
            f"speaker {speaker} has a single utterance ({names[0]}.wav): per-speaker "
            "normalisation needs at least two; add that speaker's other files, remove this one, "
            "or set corpus.skip_bad_files: true to skip it"
        )
        if not skip_bad_files:
            raise CorpusError(message)
        skipped.add(f"{names[0]}.wav", message)
        metadata = metadata[metadata["speaker"] != speaker]
    if metadata.empty:
        raise CorpusError("no usable utterances are left in the corpus; see the skipped files")
    return metadata.sort_values("utterance", ignore_index=True), skipped


def check_sums(wavs: list[Path], sums_file: str | os.PathLike) -> list[str]:
    """Compare a corpus with a ``sha256sum``-format list; return plain-language findings.

    A complete, intact EmoDB gives no findings. Missing files, unexpected files and files whose
    SHA-256 differs are each named.
    """
    expected = {}
    for line in Path(sums_file).read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            expected[name.strip().lstrip("*")] = digest
    found = {p.name: p for p in wavs}
    findings = []
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    if missing:
        findings.append(
            f"partial corpus: {len(set(found) & set(expected))} of the {len(expected)} expected "
            f"files found; missing: {', '.join(missing[:20])}{' …' if len(missing) > 20 else ''}"
        )
    if extra:
        findings.append(f"files not in the checksum list: {', '.join(extra[:20])}")
    common = sorted(set(found) & set(expected))
    changed = [name for name in common if sha256sum(found[name]) != expected[name]]
    if changed:
        findings.append(
            f"{len(changed)} file(s) differ from the official EmoDB: {', '.join(changed[:20])}"
        )
    return findings


def expected_count_note(n_found: int) -> str:
    """A one-line summary of how many utterances were found against EmoDB's 535."""
    return f"{n_found} utterances found (a complete EmoDB has {EXPECTED_UTTERANCES})"
