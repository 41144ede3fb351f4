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


def is_macos_metadata(member: str) -> bool:
    """Whether a zip member is macOS Finder metadata (``__MACOSX/`` or an AppleDouble ``._*``)."""
    parts = member.split("/")
    return "__MACOSX" in parts or parts[-1].startswith("._")


def wav_members(archive: zipfile.ZipFile, zip_path: Path) -> list[str]:
    """The ``.wav`` members of ``archive`` (under any folder), sorted, without macOS metadata.

    Two members with the same file name would land on one file: an error naming both.
    """
    members: dict[str, str] = {}
    for member in sorted(archive.namelist()):
        name = member.rsplit("/", 1)[-1]
        if member.endswith("/") or not name.lower().endswith(".wav"):
            continue
        if is_macos_metadata(member):
            continue
        if name in members:
            raise CorpusError(
                f"{zip_path} holds two files named {name}: {members[name]} and {member}; they "
                "would overwrite each other: remove one from the zip, or unpack it and give the "
                "folder you want as corpus.path with corpus.source: folder"
            )
        members[name] = member
    return sorted(members.values())


def unpack_zip(zip_path: str | os.PathLike, wav_dir: str | os.PathLike) -> list[Path]:
    """Extract the ``.wav`` members of an EmoDB zip (found under any folder) into ``wav_dir``.

    macOS metadata (``__MACOSX/``, ``._*``) is left out. The folder is filled under a temporary
    name and renamed once complete; a damaged member stops it, naming the zip and the member.
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
            for member in wav_members(archive, zip_path):
                name = member.rsplit("/", 1)[-1]
                try:
                    with archive.open(member) as source, open(temp / name, "wb") as out:
                        shutil.copyfileobj(source, out)
                except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
                    raise CorpusError(
                        f"member {member} of {zip_path} is damaged ({error}); download the zip "
                        "again or make it anew from good copies of the files"
                    ) from error
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


#: The advice that ends the message of a file that ``skip_bad_files`` could leave out.
SKIP_ADVICE = "or set corpus.skip_bad_files: true to skip it"


def _describe_wav(path: Path, min_duration_s: float = 0.0) -> tuple[float, int]:
    """Duration (s) and sample rate of a wav, decoding it whole to catch corrupt data."""
    try:
        samples, sample_rate = sf.read(path, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as error:
        raise CorpusError(
            f"{path} cannot be decoded as audio ({error}); replace it with a good copy, remove "
            f"it, {SKIP_ADVICE}"
        ) from error
    if samples.shape[0] == 0:
        raise CorpusError(
            f"{path} holds no audio samples; replace it with a good copy, remove it, {SKIP_ADVICE}"
        )
    if not np.isfinite(samples).all():
        raise CorpusError(f"{path} holds non-finite samples; replace it, remove it, {SKIP_ADVICE}")
    duration_s = samples.shape[0] / sample_rate
    if duration_s < min_duration_s:
        raise CorpusError(
            f"{path} lasts {1000 * duration_s:.1f} ms ({samples.shape[0]} samples at "
            f"{sample_rate} Hz), shorter than corpus.min_duration_s ({min_duration_s} s) that the "
            f"feature extractors need; replace it with the whole recording, remove it, "
            f"{SKIP_ADVICE}"
        )
    return duration_s, int(sample_rate)


def _skipped_reason(message: str) -> str:
    """A bad file's message without the advice to skip it, once it has been skipped."""
    return message.replace(f", {SKIP_ADVICE}", "").replace(f"; {SKIP_ADVICE}", "")


def build_metadata(
    wavs: list[Path], *, skip_bad_files: bool = False, min_duration_s: float = 0.0
) -> tuple[pd.DataFrame, Skipped]:
    """One row per utterance, sorted by id, with speaker, text, emotion, duration and rate.

    Files with bad names, undecodable audio or clips shorter than ``min_duration_s``, files
    whose names give the same utterance id (``03a01Wa.wav`` and ``03a01Wa.WAV``), and speakers
    with a single utterance (they cannot be normalised with their own statistics), raise
    :class:`CorpusError`, or with ``skip_bad_files`` are left out and listed in the returned
    :class:`Skipped`.
    """
    skipped = Skipped()
    rows = []
    for path in sorted(wavs, key=lambda p: p.name):
        try:
            parts = parse_utterance(path.name)
            duration_s, sample_rate = _describe_wav(path, min_duration_s)
        except (ValueError, CorpusError) as error:
            if not skip_bad_files:
                raise CorpusError(str(error)) from error
            skipped.add(path.name, _skipped_reason(str(error)))
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
    repeated = metadata[metadata["utterance"].duplicated(keep=False)]
    for utterance, files in repeated.groupby("utterance")["path"]:
        names = [Path(p).name for p in files]
        message = (
            f"files {' and '.join(names)} in {Path(files.iloc[0]).parent} are the same utterance "
            f"{utterance}; keep the right one and remove the other(s), {SKIP_ADVICE}"
        )
        if not skip_bad_files:
            raise CorpusError(message)
        for name in names:
            skipped.add(name, _skipped_reason(message))
        metadata = metadata[metadata["utterance"] != utterance]
    counts = metadata["speaker"].value_counts()
    for speaker in sorted(counts[counts < 2].index):
        names = metadata.loc[metadata["speaker"] == speaker, "utterance"].tolist()
        message = (
            f"speaker {speaker} has a single utterance ({names[0]}.wav): per-speaker "
            f"normalisation needs at least two; add that speaker's other files, remove this one, "
            f"{SKIP_ADVICE}"
        )
        if not skip_bad_files:
            raise CorpusError(message)
        skipped.add(f"{names[0]}.wav", _skipped_reason(message))
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
