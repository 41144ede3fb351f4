"""Rule resample_audio: decode the clips of one audio shard, mono at the configured rate."""

import sys

from tqdm import tqdm

from serflow.audio import load_audio, write_audio_table
from serflow.logs import log_to_file

log = log_to_file(snakemake.log[0])
rate, resampler = snakemake.params.sample_rate, snakemake.params.resampler
utterances, paths = snakemake.params.utterances, list(snakemake.input.clips)
clips = [
    load_audio(path, rate, resampler)
    for path in tqdm(paths, desc="decode", unit="clip", file=sys.stderr)
]
seconds = sum(len(clip) for clip in clips) / rate
log.info(
    "shard %s: decoded %d clips (%.1f min) to %d Hz mono, resampled with %s where needed",
    snakemake.wildcards.shard,
    len(clips),
    seconds / 60,
    rate,
    resampler,
)
write_audio_table(utterances, clips, rate, snakemake.output.audio)
