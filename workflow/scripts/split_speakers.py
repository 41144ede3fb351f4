"""Rules split_speakers and split_speakers_folds: the outer folds, speaker-independent (and with
split.disjoint [speaker, text] text-disjoint too), or as published in split.folds_file."""

from serflow.folds_file import read_folds_file
from serflow.logs import log_to_file
from serflow.split import PROTOCOL_KEYS, outer_split
from serflow.tables import read_parquet, write_json
from serflow.text_split import check_disjoint, text_disjoint_split

log = log_to_file(snakemake.log[0])
metadata = read_parquet(snakemake.input.metadata)
scheme = getattr(snakemake.wildcards, "scheme", "holdout")
protocol = snakemake.params.protocol
if scheme == "folds":
    split = read_folds_file(metadata, protocol["folds_file"])
else:
    if scheme == "holdout":
        settings = {
            **{k: v for k, v in snakemake.params.split.items() if k not in PROTOCOL_KEYS},
            "cv_folds": snakemake.params.cv_folds,
        }
    else:
        settings = dict(snakemake.params.settings)
    split = outer_split(metadata, scheme, **settings)
    if check_disjoint(protocol["disjoint"], f"datasets.{protocol['dataset']}: split.disjoint"):
        split = text_disjoint_split(
            metadata,
            split,
            test_fraction=protocol["test_fraction"],
            seed=protocol["seed"],
            cv_folds=protocol["cv_folds"],
            dataset=protocol["dataset"],
        )
for fold in split["folds"]:
    log.info(
        "fold %s: test speakers %s%s%s",
        fold["fold"],
        fold["test_speakers"],
        f", test sentences {fold['test_texts']}" if "test_texts" in fold else "",
        ", speaker-dependent (speakers on both sides)" if fold.get("speaker_dependent") else "",
    )
    for part in ("train", "test"):
        if fold.get(f"left_out_{part}"):
            log.info(
                "fold %s: %d utterance(s) of %s speakers left out (they say the other part's "
                "sentences)",
                fold["fold"],
                fold[f"left_out_{part}"],
                "training" if part == "train" else "test",
            )
write_json(split, snakemake.output.split)
