"""Rule generate_demo_corpus: write the synthetic demo corpus with EmoDB's naming."""

from pathlib import Path

from serflow.demo import generate_demo_corpus
from serflow.logs import log_to_file

log = log_to_file(snakemake.log[0])
paths = generate_demo_corpus(
    Path(snakemake.output.wav_dir),
    clips_per_class=snakemake.params.clips_per_class,
    min_duration_s=snakemake.params.min_duration_s,
    max_duration_s=snakemake.params.max_duration_s,
    seed=snakemake.params.seed,
)
log.info("generated %d demo clips in %s", len(paths), snakemake.output.wav_dir)
