"""Rules split_speakers and split_speakers_folds: the speaker-independent outer folds."""

from serflow.logs import log_to_file
from serflow.split import outer_split
from serflow.tables import read_parquet, write_json

log = log_to_file(snakemake.log[0])
metadata = read_parquet(snakemake.input.metadata)
scheme = getattr(snakemake.wildcards, "scheme", "holdout")
if scheme == "holdout":
    settings = {**snakemake.params.split, "cv_folds": snakemake.params.cv_folds}
else:
    settings = dict(snakemake.params.settings)
split = outer_split(metadata, scheme, **settings)
for fold in split["folds"]:
    log.info("fold %s: test speakers %s", fold["fold"], fold["test_speakers"])
write_json(split, snakemake.output.split)
