"""Rule speaker_probe: speaker-identification accuracy from each feature set before and after
per-speaker normalisation (serflow/speaker_probe.py)."""

import pandas as pd

from serflow.logs import log_to_file
from serflow.speaker_probe import probe_row
from serflow.tables import read_parquet, write_csv

log = log_to_file(snakemake.log[0])
speakers = read_parquet(snakemake.input.metadata, columns=["utterance", "speaker"]).set_index(
    "utterance"
)["speaker"]
rows = []
for feature_set, raw, normalised in zip(
    snakemake.params.feature_sets, snakemake.input.raw, snakemake.input.normalised, strict=True
):
    row = probe_row(
        feature_set,
        read_parquet(raw),
        read_parquet(normalised),
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
    rows.append(row)
write_csv(pd.DataFrame(rows), snakemake.output.probe, index=False, float_format="%.1f")
