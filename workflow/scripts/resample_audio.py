"""Rule resample_audio: decode every clip once, mono at the configured rate, into one table."""

import sys

from tqdm import tqdm

from serflow.audio import load_audio, write_audio_table
from serflow.logs import log_to_file
from serflow.tables import read_parquet

log = log_to_file(snakemake.log[0])
metadata = read_parquet(snakemake.input.metadata)
rate, resampler = snakemake.params.sample_rate, snakemake.params.resampler
clips = [
    load_audio(path, rate, resampler)
    for path in tqdm(metadata["path"], desc="decode", unit="clip", file=sys.stderr)
]
resampled = int((metadata["sample_rate"] != rate).sum())
log.info("decoded %d clips, %d resampled to %d Hz with %s", len(clips), resampled, rate, resampler)
write_audio_table(metadata["utterance"].tolist(), clips, rate, snakemake.output.audio)
