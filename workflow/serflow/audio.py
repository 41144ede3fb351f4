"""Decoding and resampling audio once, and the cached table of 16 kHz clips."""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import soundfile as sf
import soxr

from serflow.tables import atomic_write

#: soxr quality names accepted as ``audio.resampler``.
RESAMPLERS = {
    "soxr_vhq": "VHQ",
    "soxr_hq": "HQ",
    "soxr_mq": "MQ",
    "soxr_lq": "LQ",
    "soxr_qq": "QQ",
}


def load_audio(path: str | os.PathLike, sample_rate: int, resampler: str = "soxr_hq") -> np.ndarray:
    """Decode a file to mono float32 at ``sample_rate``, resampling only when it differs.

    Channels are averaged. The resampler is a named soxr quality, so results are repeatable.
    """
    samples, native_rate = sf.read(path, dtype="float32", always_2d=True)
    mono = samples.mean(axis=1, dtype=np.float32) if samples.shape[1] > 1 else samples[:, 0]
    if native_rate != sample_rate:
        if resampler not in RESAMPLERS:
            raise ValueError(
                f"audio.resampler {resampler!r} is not known; use one of {sorted(RESAMPLERS)}"
            )
        mono = soxr.resample(mono, native_rate, sample_rate, quality=RESAMPLERS[resampler])
    return np.ascontiguousarray(mono, dtype=np.float32)


def write_audio_table(
    utterances: list[str], clips: list[np.ndarray], sample_rate: int, path: str | os.PathLike
) -> None:
    """Store clips as one Parquet table: ``utterance`` and ``audio`` (a list of float32 samples)."""
    table = pa.table(
        {
            "utterance": pa.array(utterances, pa.string()),
            "audio": pa.array(clips, pa.list_(pa.float32())),
        },
        metadata={b"sample_rate": str(sample_rate).encode()},
    )
    atomic_write(path, lambda temp: pq.write_table(table, temp))


def read_audio_table(
    path: str | os.PathLike, utterances: list[str] | None = None
) -> tuple[dict[str, np.ndarray], int]:
    """Read the cached clips (all, or the named ``utterances``) and their sample rate."""
    filters = [("utterance", "in", list(utterances))] if utterances is not None else None
    table = pq.read_table(path, filters=filters)
    sample_rate = int(table.schema.metadata[b"sample_rate"])
    column = table.column("audio").combine_chunks()
    values = column.values.to_numpy(zero_copy_only=False)
    offsets = column.offsets.to_numpy()
    names = table.column("utterance").to_pylist()
    clips = {name: values[offsets[i] : offsets[i + 1]] for i, name in enumerate(names)}
    return clips, sample_rate


def read_audio_shards(
    paths: list[str], utterances: list[str] | None = None
) -> tuple[dict[str, np.ndarray], int]:
    """Read the clips (all, or the named ``utterances``) of several audio shards, one at a time."""
    clips: dict[str, np.ndarray] = {}
    rates = set()
    for path in paths:
        shard, sample_rate = read_audio_table(path, utterances)
        clips.update(shard)
        rates.add(sample_rate)
    if len(rates) > 1:
        raise ValueError(f"the audio shards {paths} were written at different rates {rates}")
    return clips, rates.pop() if rates else 0
