"""Rule build_metadata: one row per utterance of the dataset's corpus, whatever its format:
speaker, gender, the corpus's own label, the canonical emotion, its other fields, duration and
rate."""

from pathlib import Path

from serflow.corpus import build_metadata, check_sums, expected_count_note
from serflow.formats import read_entries
from serflow.logs import log_to_file
from serflow.tables import write_parquet

log = log_to_file(snakemake.log[0])
name, fmt = snakemake.wildcards.dataset, snakemake.params.format
location = Path(snakemake.input.corpus)
if fmt == "csv" and location.is_dir():  # a generated demo corpus: its manifest is inside
    location = location / "manifest.csv"
entries = read_entries(fmt, location, snakemake.params.format_settings)
if snakemake.input.checksums:
    for finding in check_sums([entry.path for entry in entries], snakemake.input.checksums):
        log.warning("%s", finding)
corpus = build_metadata(
    entries,
    skip_bad_files=snakemake.params.skip_bad_files,
    min_duration_s=snakemake.params.min_duration_s,
    emotions=snakemake.params.emotions,
    key=f"datasets.{name}",
)
metadata = corpus.metadata
for reason in corpus.ignored.values():
    log.info("left out %s", reason)
for finding in corpus.findings:
    log.warning("%s", finding)
for file, reason in corpus.skipped.reasons.items():
    log.warning("skipped %s: %s", file, reason)
if corpus.skipped:
    log.warning(
        "skipped %d file(s) in all: %s", len(corpus.skipped), ", ".join(corpus.skipped.reasons)
    )
count = expected_count_note(len(metadata)) if fmt == "emodb" else f"{len(metadata)} utterances"
log.info(
    "%s (%s); %d speakers; emotions: %s",
    count,
    fmt,
    metadata["speaker"].nunique(),
    metadata["emotion"].value_counts().sort_index().to_dict(),
)
write_parquet(metadata, snakemake.output.metadata)
