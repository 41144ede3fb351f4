"""Rule split_speakers: the speaker-independent train/test split."""

from serflow.logs import log_to_file
from serflow.split import holdout_split
from serflow.tables import read_parquet, write_json

log = log_to_file(snakemake.log[0])
metadata = read_parquet(snakemake.input.metadata, columns=["utterance", "speaker", "emotion"])
split = holdout_split(
    metadata,
    test_fraction=snakemake.params.test_fraction,
    seed=snakemake.params.seed,
    test_speakers=list(snakemake.params.test_speakers),
    cv_folds=snakemake.params.cv_folds,
)
for fold in split["folds"]:
    log.info("fold %s: test speakers %s", fold["fold"], fold["test_speakers"])
write_json(split, snakemake.output.split)
