"""Decoding and resampling audio once, and the cached table of 16 kHz clips."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

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


#: Seconds of audio per Parquet row group of an audio table: what its writer and its readers
#: that go row group by row group hold at once (5 minutes at 16 kHz: 19 MB of float32).
ROW_GROUP_SECONDS = 300


def _audio_schema(sample_rate: int) -> pa.Schema:
    return pa.schema(
        [("utterance", pa.string()), ("audio", pa.list_(pa.float32()))],
        metadata={b"sample_rate": str(sample_rate).encode()},
    )


def write_audio_table(
    utterances: list[str],
    clips: Iterable[np.ndarray],
    sample_rate: int,
    path: str | os.PathLike,
    row_group_s: float = ROW_GROUP_SECONDS,
) -> None:
    """Store clips as one Parquet table: ``utterance`` and ``audio`` (a list of float32 samples).

    ``clips`` may be a generator: they are written a row group (``row_group_s`` of audio) at a
    time, so that decoding a shard never holds more than one row group.
    """
    schema = _audio_schema(sample_rate)
    limit = row_group_s * sample_rate

    def row_group(names: list[str], audio: list[np.ndarray]) -> pa.Table:
        columns = [pa.array(names, pa.string()), pa.array(audio, pa.list_(pa.float32()))]
        return pa.Table.from_arrays(columns, schema=schema)

    def write(temp: Path) -> None:
        names: list[str] = []
        audio: list[np.ndarray] = []
        samples = 0
        with pq.ParquetWriter(temp, schema) as writer:
            for name, clip in zip(utterances, clips, strict=True):
                names.append(name)
                audio.append(clip)
                samples += len(clip)
                if samples >= limit:
                    writer.write_table(row_group(names, audio))
                    names, audio, samples = [], [], 0
            if names or not utterances:
                writer.write_table(row_group(names, audio))

    atomic_write(path, write)


def iter_audio_table(
    path: str | os.PathLike,
) -> Iterator[tuple[list[str], list[np.ndarray], int]]:
    """The clips of an audio table one row group at a time: (utterances, clips, sample rate)."""
    table = pq.ParquetFile(path)
    sample_rate = int(table.schema_arrow.metadata[b"sample_rate"])
    for index in range(table.num_row_groups):
        clips = _clips_of(table.read_row_group(index))
        yield list(clips), list(clips.values()), sample_rate


def _clips_of(table: pa.Table) -> dict[str, np.ndarray]:
    """Utterance -> float32 samples of a table's rows (views into its audio column)."""
    column = table.column("audio").combine_chunks()
    values = column.values.to_numpy(zero_copy_only=False)
    offsets = column.offsets.to_numpy()
    names = table.column("utterance").to_pylist()
    return {name: values[offsets[i] : offsets[i + 1]] for i, name in enumerate(names)}


def read_audio_table(
    path: str | os.PathLike, utterances: list[str] | None = None
) -> tuple[dict[str, np.ndarray], int]:
    """Read the cached clips (all, or the named ``utterances``) and their sample rate."""
    filters = [("utterance", "in", list(utterances))] if utterances is not None else None
    table = pq.read_table(path, filters=filters)
    return _clips_of(table), int(table.schema.metadata[b"sample_rate"])


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
