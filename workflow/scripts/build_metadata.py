"""Rule build_metadata: one row per utterance (speaker, emotion, duration, ...) of the corpus."""

from serflow.corpus import build_metadata, check_sums, expected_count_note, list_wavs
from serflow.logs import log_to_file
from serflow.tables import write_parquet

log = log_to_file(snakemake.log[0])
wavs = list_wavs(snakemake.input.wav_dir)
if snakemake.input.checksums:
    for finding in check_sums(wavs, snakemake.input.checksums):
        log.warning("%s", finding)
metadata, skipped = build_metadata(
    wavs,
    skip_bad_files=snakemake.params.skip_bad_files,
    min_duration_s=snakemake.params.min_duration_s,
)
for name, reason in skipped.reasons.items():
    log.warning("skipped %s: %s", name, reason)
if skipped:
    log.warning("skipped %d file(s) in all: %s", len(skipped), ", ".join(skipped.reasons))
log.info(
    "%s; %d speakers; emotions: %s",
    expected_count_note(len(metadata)),
    metadata["speaker"].nunique(),
    metadata["emotion_name"].value_counts().sort_index().to_dict(),
)
write_parquet(metadata, snakemake.output.metadata)
