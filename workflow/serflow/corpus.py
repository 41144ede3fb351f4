"""Unpacking a corpus and describing it: one metadata row per usable utterance, whatever the
corpus format (the formats say what each file is; :mod:`serflow.formats`)."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from serflow.download import sha256sum
from serflow.emodb import EXPECTED_UTTERANCES
from serflow.emotions import select_emotions
from serflow.formats import Entry
from serflow.formats.entries import AUDIO_SUFFIXES

log = logging.getLogger(__name__)

#: The columns every metadata table starts with; a format's own fields follow, then
#: ``duration_s`` and ``sample_rate``.
METADATA_COLUMNS = ["utterance", "path", "speaker", "gender", "label", "emotion"]


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
    """The audio members of ``archive`` (under any folder), sorted, without macOS metadata.

    Two members with the same file name would land on one file: an error naming both.
    """
    members: dict[str, str] = {}
    for member in sorted(archive.namelist()):
        name = member.rsplit("/", 1)[-1]
        if member.endswith("/") or not name.lower().endswith(AUDIO_SUFFIXES):
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


def check_no_links(archive: zipfile.ZipFile, zip_path: Path) -> None:
    """An error naming the zip and every member that is a symbolic link (to a file or a
    folder): unpacked, a link would be a file holding the target's name, or clash with the
    folder of the same name."""
    links = [
        info.filename
        for info in archive.infolist()
        if stat.S_ISLNK(info.external_attr >> 16) and not is_macos_metadata(info.filename)
    ]
    if links:
        raise CorpusError(
            f"{zip_path} holds symbolic link(s) {', '.join(links)}; serflow unpacks files and "
            "folders only: make the zip anew without links (zip without -y / --symlinks copies "
            "what they point to), or unpack it yourself and give the folder with source: folder"
        )


def _members(archive: zipfile.ZipFile, zip_path: Path) -> list[str]:
    """Every file member of ``archive`` but macOS metadata, sorted; an error for a member whose
    path would leave the folder it is unpacked into."""
    members = []
    for member in sorted(archive.namelist()):
        if member.endswith("/") or is_macos_metadata(member):
            continue
        if member.startswith("/") or ".." in member.split("/"):
            raise CorpusError(f"{zip_path}: member {member} points outside the corpus folder")
        members.append(member)
    return members


def unpack_zip(
    zip_path: str | os.PathLike, wav_dir: str | os.PathLike, *, flatten: bool = True
) -> list[Path]:
    """Extract a corpus zip into ``wav_dir``.

    ``flatten`` (EmoDB) puts the ``.wav`` members, found under any folder, directly in
    ``wav_dir``; otherwise every member keeps its folders (RAVDESS's Actor_XX, CREMA-D's
    AudioWAV and VideoDemographics.csv). macOS metadata (``__MACOSX/``, ``._*``) is left out.
    The folder is filled under a temporary name and renamed once complete; a damaged member
    stops it, naming the zip and the member.
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
            check_no_links(archive, zip_path)
            members = wav_members(archive, zip_path) if flatten else _members(archive, zip_path)
            for member in members:
                name = member.rsplit("/", 1)[-1] if flatten else member
                try:
                    (temp / name).parent.mkdir(parents=True, exist_ok=True)
                except (FileExistsError, NotADirectoryError) as error:
                    clash = next(path for path in (temp / name).parents if path.is_file())
                    folder = clash.relative_to(temp).as_posix()
                    raise CorpusError(
                        f"member {member} of {zip_path} lies in folder {folder}, but the zip also "
                        f"holds a file named {folder}; rename or remove one of the two"
                    ) from error
                try:
                    with archive.open(member) as source, open(temp / name, "wb") as out:
                        shutil.copyfileobj(source, out)
                except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
                    raise CorpusError(
                        f"member {member} of {zip_path} is damaged ({error}); download the zip "
                        "again or make it anew from good copies of the files"
                    ) from error
                written.append(wav_dir / name)
        if not any(path.suffix.lower() in AUDIO_SUFFIXES for path in written):
            raise CorpusError(
                f"{zip_path} holds no audio files ({', '.join(AUDIO_SUFFIXES)}); EmoDB's "
                "download.zip has them under wav/"
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


def skip_advice(key: str) -> str:
    """The advice that ends the message of a file that ``skip_bad_files`` could leave out;
    ``key`` is the dataset's config key (``datasets.<name>``)."""
    return f"or set {key}.skip_bad_files: true to skip it"


def _describe_audio(
    path: Path, min_duration_s: float = 0.0, key: str = "datasets.<name>"
) -> tuple[float, int, str]:
    """Duration (s), sample rate and SHA-256 of an audio file, decoding it whole to catch
    corrupt data."""
    advice = skip_advice(key)
    try:
        data = path.read_bytes()
        samples, sample_rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as error:
        raise CorpusError(
            f"{path} cannot be decoded as audio ({error}); replace it with a good copy, remove "
            f"it, {advice}"
        ) from error
    if samples.shape[0] == 0:
        raise CorpusError(
            f"{path} holds no audio samples; replace it with a good copy, remove it, {advice}"
        )
    if not np.isfinite(samples).all():
        raise CorpusError(f"{path} holds non-finite samples; replace it, remove it, {advice}")
    duration_s = samples.shape[0] / sample_rate
    if duration_s < min_duration_s:
        raise CorpusError(
            f"{path} lasts {1000 * duration_s:.1f} ms ({samples.shape[0]} samples at "
            f"{sample_rate} Hz), shorter than {key}.min_duration_s ({min_duration_s} s) that the "
            f"feature extractors need; replace it with the whole recording, remove it, "
            f"{advice}"
        )
    return duration_s, int(sample_rate), hashlib.sha256(data).hexdigest()


def _skipped_reason(message: str, key: str) -> str:
    """A bad file's message without the advice to skip it, once it has been skipped."""
    advice = skip_advice(key)
    return message.replace(f", {advice}", "").replace(f"; {advice}", "")


@dataclass
class Corpus:
    """A described corpus: its metadata, what was skipped, what the format left out (with the
    reason) and plain-language findings (byte-identical files, emotions not selected)."""

    metadata: pd.DataFrame
    skipped: Skipped
    ignored: dict[str, str]
    findings: list[str]


def build_metadata(
    entries: list[Entry],
    *,
    skip_bad_files: bool = False,
    min_duration_s: float = 0.0,
    emotions: list[str] | dict[str, str] | None = None,
    key: str = "datasets.<name>",
) -> Corpus:
    """One row per utterance, sorted by id: speaker, gender, the corpus's own label, the
    canonical emotion, the format's other fields, duration and rate.

    Files with bad names or unknown labels, undecodable audio or clips shorter than
    ``min_duration_s``, files that give the same utterance id (``03a01Wa.wav`` and
    ``03a01Wa.WAV``), and speakers left with a single utterance (they cannot be normalised with
    their own statistics) raise :class:`CorpusError`, or with ``skip_bad_files`` are left out
    and listed in :attr:`Corpus.skipped`. ``emotions`` keeps or merges emotions
    (:func:`serflow.emotions.select_emotions`); ``key`` names the dataset's config in messages.
    """
    advice = skip_advice(key)
    skipped, ignored, findings = Skipped(), {}, []
    rows, digests = [], {}
    for entry in entries:
        if entry.ignored:
            if entry.warn:
                findings.append(f"left out {entry.ignored}")
            else:
                ignored[entry.path.name] = entry.ignored
            continue
        try:
            if entry.problem:
                raise CorpusError(f"{entry.problem}, {advice}")
            duration_s, sample_rate, digest = _describe_audio(entry.path, min_duration_s, key)
        except CorpusError as error:
            if not skip_bad_files:
                raise
            skipped.add(entry.path.name, _skipped_reason(str(error), key))
            continue
        digests.setdefault(digest, []).append(entry.path.name)
        rows.append(
            {
                "path": str(entry.path.resolve()),
                **entry.fields,
                "duration_s": duration_s,
                "sample_rate": sample_rate,
            }
        )
    for names in digests.values():
        if len(names) > 1:
            findings.append(f"byte-identical files under different names: {', '.join(names)}")
    columns = METADATA_COLUMNS + [
        column
        for column in (rows[0] if rows else {})
        if column not in METADATA_COLUMNS and column not in ("duration_s", "sample_rate")
    ]
    metadata = pd.DataFrame(rows, columns=[*columns, "duration_s", "sample_rate"])
    repeated = metadata[metadata["utterance"].duplicated(keep=False)]
    for utterance, files in repeated.groupby("utterance")["path"]:
        names = [Path(p).name for p in files]
        message = (
            f"files {' and '.join(files)} give the same utterance id {utterance}; keep the right "
            f"one and remove the other(s), {advice}"
        )
        if not skip_bad_files:
            raise CorpusError(message)
        for name in names:
            skipped.add(name, _skipped_reason(message, key))
        metadata = metadata[metadata["utterance"] != utterance]
    selected = select_emotions(metadata["emotion"], emotions)
    left_out = metadata.loc[selected.isna(), "emotion"].value_counts().sort_index()
    if len(left_out):
        findings.append(
            f"{key}.emotions leaves out {int(left_out.sum())} utterance(s): "
            + ", ".join(f"{emotion} {n}" for emotion, n in left_out.items())
        )
    metadata = metadata.assign(emotion=selected)[selected.notna()]
    counts = metadata["speaker"].value_counts()
    for speaker in sorted(counts[counts < 2].index):
        names = metadata.loc[metadata["speaker"] == speaker, "path"].map(lambda p: Path(p).name)
        message = (
            f"speaker {speaker} has a single utterance ({names.iloc[0]}): per-speaker "
            f"normalisation needs at least two; add that speaker's other files, remove this one, "
            f"{advice}"
        )
        if not skip_bad_files:
            raise CorpusError(message)
        skipped.add(names.iloc[0], _skipped_reason(message, key))
        metadata = metadata[metadata["speaker"] != speaker]
    if metadata.empty:
        raise CorpusError(
            f"no usable utterances are left in the corpus of {key}; see the skipped files"
        )
    metadata = metadata.sort_values("utterance", ignore_index=True)
    return Corpus(metadata, skipped, ignored, findings)


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
