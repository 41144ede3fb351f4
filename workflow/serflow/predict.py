"""Applying a model bundle to new recordings: decode, extract, normalise, predict.

The recordings go through the benchmark's own steps with the bundle's settings: decoding to mono
at the bundle's sample rate with its resampler (:func:`serflow.audio.load_audio`, so any rate
and channel count), the bundle's feature extractor, then normalisation:

* per speaker, as in training (:func:`serflow.normalise.normalise_per_speaker`), for every
  speaker with at least ``min_utterances`` readable recordings;
* otherwise (no speaker given, or too few recordings of one) with the mean and standard
  deviation of the training rows' raw features, with a warning: speaker differences are then
  not removed, which the classifier never saw in training, and accuracy usually drops.

A file that cannot be decoded is listed in the output with its error; the others are predicted.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from serflow.audio import load_audio
from serflow.bundle import Bundle, BundleError
from serflow.feature_sets import OPENSMILE, of_kind
from serflow.fingerprint import file_sha256
from serflow.formats.entries import AUDIO_SUFFIXES
from serflow.normalise import normalise_per_speaker

log = logging.getLogger(__name__)

#: BYOL-S' front end needs clips longer than this (see serflow.byols.embed.embed_clips).
MIN_BYOLS_SAMPLES = 512
#: Utterances a speaker needs for per-speaker normalisation, unless the bundle says otherwise.
DEFAULT_MIN_UTTERANCES = 10


class InputError(Exception):
    """Input to predict that cannot be used: the message names it and what to do."""


def collect_inputs(source: str | os.PathLike) -> pd.DataFrame:
    """The recordings to predict, as a table of ``file`` and ``speaker`` (None where unknown).

    ``source`` is an audio file; a folder, whose audio files directly inside have no speaker and
    whose sub-folders are one speaker each (named as the folder); or a CSV with a ``file``
    column and optionally a ``speaker`` column, relative paths taken from the CSV's folder.
    Folder contents are sorted, so that output is repeatable.
    """
    path = Path(source)
    if not path.exists():
        raise InputError(f"{path} does not exist: give an audio file, a folder or a CSV")
    if path.is_dir():
        rows = []
        for item in sorted(path.iterdir()):
            if item.is_file() and item.suffix.lower() in AUDIO_SUFFIXES:
                rows.append((str(item), None))
            elif item.is_dir():
                rows += [
                    (str(file), item.name)
                    for file in sorted(item.iterdir())
                    if file.is_file() and file.suffix.lower() in AUDIO_SUFFIXES
                ]
        if not rows:
            raise InputError(
                f"{path} holds no audio file ({', '.join(sorted(AUDIO_SUFFIXES))}), neither "
                "directly nor in one sub-folder per speaker"
            )
        return pd.DataFrame(rows, columns=["file", "speaker"])
    if path.suffix.lower() == ".csv":
        try:
            table = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (OSError, ValueError) as error:
            raise InputError(f"{path} cannot be read as a CSV ({error})") from error
        if "file" not in table.columns:
            raise InputError(
                f"{path} has no 'file' column (it has {list(table.columns)}); give one path per "
                "row under 'file' and optionally a 'speaker' column"
            )
        if table.empty:
            raise InputError(f"{path} lists no file")
        files = [
            str(Path(f)) if Path(f).is_absolute() else str(path.parent / f) for f in table["file"]
        ]
        speakers = (
            [s if s != "" else None for s in table["speaker"]]
            if "speaker" in table.columns
            else [None] * len(files)
        )
        return pd.DataFrame({"file": files, "speaker": speakers})
    return pd.DataFrame({"file": [str(path)], "speaker": [None]})


def decode(files: list[str], sample_rate: int, resampler: str) -> tuple[dict, dict]:
    """Decode every file; (file -> clip) of the readable ones, (file -> error) of the others."""
    clips, errors = {}, {}
    for file in tqdm(files, desc="decode", unit="file", file=sys.stderr, disable=len(files) < 2):
        try:
            clip = load_audio(file, sample_rate, resampler)
        except Exception as error:  # libsndfile and soxr raise several kinds on a bad file
            errors[file] = f"{type(error).__name__}: {error}".replace("\n", " ")
            continue
        if len(clip) == 0:
            errors[file] = "no audio samples"
            continue
        clips[file] = clip
    return clips, errors


def check_extractor(bundle: Bundle, checkpoint: str | None = None) -> str | None:
    """Raise :class:`BundleError` when the bundle's feature extractor cannot run here; returns
    the BYOL-S checkpoint to use (None for openSMILE)."""
    extractor = bundle.manifest["extractor"]
    manifest = bundle.folder / "manifest.json"
    if extractor["name"] == "opensmile":
        try:
            import serflow.opensmile_features  # noqa: F401 - can openSMILE run here?
        except ImportError as error:
            raise BundleError(
                f"{manifest} needs openSMILE, which cannot be imported here ({error}); install "
                "serflow's requirements (requirements.txt)"
            ) from error
        if bundle.feature_set not in of_kind(OPENSMILE):
            raise BundleError(
                f"{manifest}: feature set {bundle.feature_set!r} is not an openSMILE set this "
                f"serflow knows ({of_kind(OPENSMILE)})"
            )
        return None
    if extractor["name"] == "byols":
        path = checkpoint or extractor["checkpoint"]["path"]
        if not Path(path).is_file():
            raise BundleError(
                f"{manifest}: the BYOL-S checkpoint {path} of feature set {bundle.feature_set!r} "
                "does not exist here; give a local copy with --checkpoint"
            )
        expected = extractor["checkpoint"]["sha256"]
        if file_sha256(path) != expected:
            raise BundleError(
                f"{manifest}: the BYOL-S checkpoint {path} is not the one the model was trained "
                f"with (SHA-256 {expected}); give that checkpoint with --checkpoint"
            )
        return str(path)
    raise BundleError(
        f"{manifest}: feature extractor {extractor['name']!r} is not available in this serflow"
    )


def extract_features(
    bundle: Bundle,
    keys: list[str],
    clips: list[np.ndarray],
    *,
    workers: int = 1,
    checkpoint: str | None = None,
    device: str = "auto",
) -> pd.DataFrame:
    """The bundle's raw feature table of ``clips`` (``utterance`` = key), as the workflow makes
    it, columns checked against the bundle's."""
    extractor = bundle.manifest["extractor"]
    sample_rate = bundle.manifest["audio"]["sample_rate"]
    if extractor["name"] == "opensmile":
        from serflow.opensmile_features import extract_functionals

        table = extract_functionals(
            keys, clips, bundle.feature_set, sample_rate=sample_rate, workers=workers
        )
    else:
        from serflow.byols_features import extract_embeddings

        table = extract_embeddings(
            keys,
            clips,
            bundle.feature_set,
            checkpoint,
            extractor["logmel_stats"],
            device=device,
            threads=workers,
            max_batch_frames=extractor["max_batch_frames"],
        )
    if list(table.columns[1:]) != bundle.feature_names:
        raise BundleError(
            f"{bundle.folder / 'manifest.json'}: the {bundle.feature_set} extractor here gives "
            "other features than the model was trained on; use the versions in its manifest"
        )
    return table


def normalise(
    bundle: Bundle, features: pd.DataFrame, speakers: pd.Series, min_utterances: int
) -> tuple[pd.DataFrame, pd.Series]:
    """Normalised features (same row order) and, per row, ``speaker`` or ``training``: how it
    was normalised (see the module's description)."""
    speakers = speakers.reset_index(drop=True)
    counts = speakers.value_counts()
    own = (speakers.notna() & speakers.map(counts).ge(min_utterances)).to_numpy(dtype=bool)
    values = features.iloc[:, 1:].to_numpy(dtype=np.float64)
    normalised = np.empty(values.shape, dtype=np.float32)
    if own.any():
        # in the order of the keys, as the workflow's tables are, so that sums are the same
        rows = np.flatnonzero(own)
        rows = rows[np.argsort(features["utterance"].to_numpy()[rows], kind="stable")]
        table = features.iloc[rows].reset_index(drop=True)
        by_speaker = pd.Series(speakers.to_numpy()[rows], index=table["utterance"].to_numpy())
        normalised[rows] = normalise_per_speaker(table, by_speaker).iloc[:, 1:].to_numpy()
    if (~own).any():
        scaled = (values[~own] - bundle.training_mean) / bundle.training_std
        normalised[~own] = scaled.astype(np.float32)
        few = sorted(set(speakers[~own].dropna()))
        log.warning(
            "%d recording(s) normalised with the training data's statistics, not per speaker "
            "(%s); speaker differences stay in their features, so predictions are less reliable",
            int((~own).sum()),
            f"speakers with fewer than {min_utterances} recordings: {few}"
            if few
            else "no speaker given",
        )
    table = pd.DataFrame(normalised, columns=features.columns[1:])
    table.insert(0, "utterance", features["utterance"].to_numpy())
    return table, pd.Series(np.where(own, "speaker", "training"))


@dataclass
class Settings:
    """How to apply a bundle: speakers need ``min_utterances`` recordings to be normalised on
    their own; ``workers`` extraction processes; a BYOL-S ``checkpoint`` replacing the bundle's
    path, and the torch ``device``."""

    min_utterances: int | None = None
    workers: int = 1
    checkpoint: str | None = None
    device: str = "auto"


def predict_recordings(
    bundle: Bundle, inputs: pd.DataFrame, settings: Settings | None = None
) -> pd.DataFrame:
    """Predictions for the recordings of ``inputs`` (``file``, ``speaker``), in their order.

    Columns: ``file``, ``speaker``, ``predicted``, ``normalisation`` (``speaker`` or
    ``training``), ``error`` (why a file was not predicted; empty otherwise), then one column per
    emotion, ``probability_<emotion>`` or ``decision_<emotion>`` by the bundle's ``scores``. A
    regressor bundle (task dimensional) has no ``predicted`` column but one column per
    dimension (e.g. ``arousal``, ``valence``) after ``error``, on the dimension's rating scale.
    """
    settings = settings or Settings()
    checkpoint = check_extractor(bundle, settings.checkpoint)
    minimum = settings.min_utterances
    if minimum is None:
        minimum = bundle.manifest["normalisation"]["min_utterances"]
    audio = bundle.manifest["audio"]
    inputs = inputs.reset_index(drop=True)
    if inputs["file"].duplicated().any():
        twice = sorted(set(inputs.loc[inputs["file"].duplicated(), "file"]))[:5]
        raise InputError(f"the input lists file(s) {twice} more than once")
    clips, errors = decode(inputs["file"].tolist(), audio["sample_rate"], audio["resampler"])
    if bundle.manifest["extractor"]["name"] == "byols":
        for file in [file for file, clip in clips.items() if len(clip) <= MIN_BYOLS_SAMPLES]:
            errors[file] = f"shorter than BYOL-S needs ({MIN_BYOLS_SAMPLES + 1} samples at 16 kHz)"
            del clips[file]
    keys = [file for file in inputs["file"] if file in clips]
    output_columns = bundle.output_columns()
    table = pd.DataFrame(columns=["utterance", "normalisation", *output_columns])
    if keys:
        raw = extract_features(
            bundle,
            keys,
            [clips[key] for key in keys],
            workers=settings.workers,
            checkpoint=checkpoint,
            device=settings.device,
        )
        # openSMILE fills a recording too short for a feature with NaN; it cannot be classified
        finite = np.isfinite(raw.iloc[:, 1:].to_numpy()).all(axis=1)
        for key in raw.loc[~finite, "utterance"]:
            errors[key] = "the extractor gave no value for some features (recording too short?)"
        raw = raw[finite].reset_index(drop=True)
        speakers = raw["utterance"].map(inputs.set_index("file")["speaker"])
        if len(raw):
            normalised, how = normalise(bundle, raw, speakers, minimum)
            values = normalised.iloc[:, 1:].to_numpy(dtype=np.float32)
            table = bundle.outputs(values)
            table.insert(0, "utterance", raw["utterance"].to_numpy())
            table.insert(1, "normalisation", how.to_numpy())
    for file, error in errors.items():
        log.warning("%s not predicted: %s", file, error)
    out = inputs.merge(table, left_on="file", right_on="utterance", how="left")
    predicted = output_columns[:1] if not bundle.dimensions else []
    values = output_columns[len(predicted) :]
    out = out.reindex(columns=["file", "speaker", *predicted, "normalisation", *values])
    out.insert(3 + len(predicted), "error", out["file"].map(errors).fillna(""))
    text = ["speaker", *predicted, "normalisation"]
    out[text] = out[text].astype(object).fillna("")
    return out
