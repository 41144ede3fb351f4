"""Rule speaker_probe: speaker-identification accuracy from one feature set before and after
per-speaker normalisation (serflow/speaker_probe.py). One job per feature set, so that adding or
dropping a feature set reruns no other's probe."""

import pandas as pd

from serflow.logs import log_to_file
from serflow.speaker_probe import probe_row
from serflow.tables import read_parquet, write_csv

log = log_to_file(snakemake.log[0])
feature_set = snakemake.wildcards.feature_set
speakers = read_parquet(snakemake.input.metadata, columns=["utterance", "speaker"]).set_index(
    "utterance"
)["speaker"]
row = probe_row(
    feature_set,
    read_parquet(snakemake.input.raw),
    read_parquet(snakemake.input.normalised),
    speakers,
    seed=snakemake.params.seed,
)
log.info(
    "%s: speaker accuracy %.1f%% raw, %.1f%% after per-speaker normalisation (chance %.1f%%)",
    feature_set,
    row["accuracy_raw"],
    row["accuracy_normalised"],
    row["chance"],
)
write_csv(pd.DataFrame([row]), snakemake.output.probe, index=False, float_format="%.1f")
