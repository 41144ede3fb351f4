"""Rule resample_audio: decode the clips of one audio shard, mono at the configured rate, written
a row group at a time."""

import sys

from tqdm import tqdm

from serflow.audio import load_audio, write_audio_table
from serflow.logs import log_to_file

log = log_to_file(snakemake.log[0])
rate, resampler = snakemake.params.sample_rate, snakemake.params.resampler
utterances, paths = snakemake.params.utterances, list(snakemake.input.clips)
lengths = []  # samples of each clip decoded, for the log


def decoded():
    """Each clip in turn: the writer holds one row group of them at a time."""
    for path in tqdm(paths, desc="decode", unit="clip", file=sys.stderr):
        clip = load_audio(path, rate, resampler)
        lengths.append(len(clip))
        yield clip


write_audio_table(utterances, decoded(), rate, snakemake.output.audio)
log.info(
    "shard %s: decoded %d clips (%.1f min) to %d Hz mono, resampled with %s where needed",
    snakemake.wildcards.shard,
    len(lengths),
    sum(lengths) / rate / 60,
    rate,
    resampler,
)
